// When a server command stops: a signal, or the process that started it going away.
import { onParentExit } from "./parent-watch.js";

/** Why a server command stops. */
export type ShutdownReason = NodeJS.Signals | "parent exited";

const SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Resolve on Ctrl-C, SIGTERM (what `docker stop` and the kubelet send), SIGHUP (the terminal
 * closed), or once whoever started this process has exited (see onParentExit): after
 * `npx testbed epp … &` and `kill $!` the server would otherwise keep running, and keep its ports.
 */
export function waitForShutdownSignal(): Promise<ShutdownReason> {
  return new Promise((resolve) => {
    const stop = (reason: ShutdownReason) => {
      for (const signal of SIGNALS) process.off(signal, stop);
      stopWatching();
      resolve(reason);
    };
    for (const signal of SIGNALS) process.on(signal, stop);
    const stopWatching = onParentExit(() => stop("parent exited"));
  });
}
