// The shell commands of a Markdown page as a reader copies them: the ```bash blocks of one section,
// cut into commands (a line ending in `\` goes on, comment lines are skipped), and a bash that runs
// them one by one keeping its variables and functions, as the reader's terminal does.
import { spawn } from "node:child_process";

/** The ```bash blocks under a heading line (`## Quick start`), up to the next `## `, in order. */
export function bashBlocks(markdown: string, heading: string): string[] {
  const start = `\n${markdown}`.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const end = markdown.indexOf("\n## ", start + heading.length);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

/** One block's commands, each with its continuation lines joined as the shell reads them. */
export function commandsOf(block: string): string[] {
  const commands: string[] = [];
  let current = "";
  for (const line of block.split("\n")) {
    if (current === "" && (line.trim() === "" || line.trim().startsWith("#"))) continue;
    current += `${line}\n`;
    if (!line.endsWith("\\")) {
      commands.push(current.trimEnd());
      current = "";
    }
  }
  if (current !== "") commands.push(current.trimEnd());
  return commands;
}

export interface CommandRun {
  code: number;
  out: string;
}

/** A bash reading commands on its stdin; each answer is its output (stdout and stderr) and exit code. */
export class BashSession {
  private readonly child;
  private buffer = "";
  private waiting: ((text: string) => void) | undefined;
  private counter = 0;

  constructor(env: NodeJS.ProcessEnv) {
    this.child = spawn("bash", ["--noprofile", "--norc"], { env, stdio: ["pipe", "pipe", "pipe"] });
    const collect = (chunk: Buffer) => {
      this.buffer += chunk.toString();
      this.waiting?.(this.buffer);
    };
    this.child.stdout.on("data", collect);
    this.child.stderr.on("data", collect);
    // One stream, in the order the terminal would show it.
    this.child.stdin.write("exec 2>&1\n");
  }

  run(command: string): Promise<CommandRun> {
    this.counter += 1;
    const marker = `__command_${this.counter}_done__`;
    this.buffer = "";
    return new Promise((resolve) => {
      const pattern = new RegExp(`${marker} (\\d+)\\n`);
      this.waiting = (text) => {
        const found = pattern.exec(text);
        if (!found) return;
        this.waiting = undefined;
        resolve({ code: Number(found[1]), out: text.slice(0, found.index) });
      };
      // The marker goes to stdout after the command's own output on both streams has been written.
      this.child.stdin.write(`${command}\necho "${marker} $?"\n`);
    });
  }

  /** What the running command has printed so far. */
  output(): string {
    return this.buffer;
  }

  /** Ctrl-C for the running command (its process group: a pipeline's every process). */
  interrupt(): void {
    this.child.stdin.write("");
    if (this.child.pid !== undefined) spawn("pkill", ["-INT", "-P", String(this.child.pid)]);
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}
