// Noticing that the process which started this one has gone (Node has no parent-death signal).
import { readFileSync } from "node:fs";

const CHECK_MS = 500;
const SHELLS = new Set(["sh", "dash", "bash", "zsh", "ash", "ksh"]);

/**
 * Call `onExit` once the process that started this one has exited, or — when that is a shell
 * (`npx` and `npm start` run the bin through `sh -c`) — once the shell's own parent has: npm
 * forwards SIGTERM and SIGINT to the shell, which dies without passing them on, and dies of SIGHUP
 * itself, leaving the shell behind. A re-parented process sees its parent's pid change. Checked
 * every 500 ms on an unref'd timer; returns the function that stops watching. Linux reads the
 * shell's parent from /proc; elsewhere only the direct parent is watched.
 */
export function onParentExit(onExit: () => void): () => void {
  const parent = process.ppid;
  // A process started by init (ppid 1, or 0 as a container's first process) has no parent to outlive.
  if (parent <= 1) return () => {};
  const shellParent = SHELLS.has(commandName(parent) ?? "") ? parentOf(parent) : undefined;
  const timer = setInterval(() => {
    const gone = process.ppid !== parent || (shellParent !== undefined && parentOf(parent) !== shellParent);
    if (!gone) return;
    clearInterval(timer);
    onExit();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The parent pid of `pid` from /proc (Linux), or undefined. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …" — comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function commandName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return undefined;
  }
}
