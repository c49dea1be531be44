// `kubectl exec -it POD -- sh` (and `-i` without a terminal, and `sh -c '…'`): a small POSIX-like shell
// over the exec stream. The testbed's containers have no shell binary; this one reads command lines
// from the stdin channel and runs each through the kubelet's exec (curl, pilot-agent, cat, …), with
// `exit [N]`, pipelines into grep, head, tail and wc -l, quoting and comments (no `;`, `&&`, redirections
// or variables). With a TTY it acts as the terminal's
// line discipline would: a `$ ` prompt, echo of what is typed, \r → newline, backspace, ^C, ^D on an
// empty line, \r\n line ends, stderr on the one output stream; resize messages (channel 4) change
// nothing. Without a TTY there is no prompt and no echo, as `sh` reading a pipe.
import { type ChannelSocket, CLOSE, ERROR, exitStatus, RESIZE, STDERR, STDIN, STDOUT } from "./channel-protocol.js";
import type { StreamOptions } from "./exec-stream.js";
import type { ExecResult, PodAccess } from "./pod-access.js";

const SHELLS = new Set(["sh", "bash", "ash", "dash"]);

export interface ShellTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** `sh`, `/bin/bash -i`, `sh -c SCRIPT`: a command this shell answers instead of the container. */
export function shellInvocation(command: string[]): { script?: string } | undefined {
  const [program, ...args] = command;
  if (!SHELLS.has(program?.split("/").pop() ?? "")) return undefined;
  if (args[0] === "-c" && args[1] !== undefined) return { script: args[1] };
  if (args.every((arg) => ["-i", "-l", "--login"].includes(arg))) return {};
  return undefined;
}

/** Run the shell on the stream until `exit`, ^D, the end of stdin or of the script. */
export function runShell(
  channels: ChannelSocket,
  access: PodAccess,
  target: ShellTarget,
  command: string[],
  options: StreamOptions,
  script?: string,
): void {
  const session = new ShellSession(channels, access, target, command, options);
  if (script !== undefined) {
    void session.runScript(script);
    return;
  }
  channels.onMessage((channel, data) => {
    if (channel === STDIN) session.input(data.toString("utf8"));
    else if (channel === CLOSE && data[0] === STDIN) session.endOfInput();
    else if (channel === RESIZE) return;
  });
  channels.socket.on("close", () => session.endOfInput());
  session.start();
}

class ShellSession {
  private line = "";
  private status = 0;
  private done = false;
  /** Commands run one after another, as typed; input typed meanwhile waits its turn. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly channels: ChannelSocket,
    private readonly access: PodAccess,
    private readonly target: ShellTarget,
    private readonly command: string[],
    private readonly options: StreamOptions,
  ) {}

  start(): void {
    this.prompt();
  }

  input(text: string): void {
    for (const char of text) {
      if (this.done) return;
      if (!this.options.tty) {
        if (char === "\n") this.submit();
        else this.line += char;
        continue;
      }
      this.typed(char);
    }
  }

  /** stdin closed: what was typed last (without a newline) still runs, then the shell exits. */
  endOfInput(): void {
    if (this.done) return;
    if (this.line.trim() !== "") this.submit();
    this.queue = this.queue.then(() => this.exit(this.status));
  }

  async runScript(script: string): Promise<void> {
    for (const line of script.split("\n")) {
      if (this.done) return;
      await this.run(line);
    }
    this.exit(this.status);
  }

  /** The terminal's line discipline for one typed character. */
  private typed(char: string): void {
    if (char === "\r" || char === "\n") {
      this.out("\r\n");
      this.submit();
    } else if (char === "\x7f" || char === "\b") {
      if (this.line === "") return;
      this.line = this.line.slice(0, -1);
      this.out("\b \b");
    } else if (char === "\x03") {
      this.line = "";
      this.out("^C\r\n");
      this.queue = this.queue.then(() => this.prompt());
    } else if (char === "\x04") {
      if (this.line === "") this.queue = this.queue.then(() => this.exit(this.status));
    } else if (char >= " " || char === "\t") {
      this.line += char;
      this.out(char);
    }
  }

  private submit(): void {
    const line = this.line;
    this.line = "";
    this.queue = this.queue.then(async () => {
      await this.run(line);
      this.prompt();
    });
  }

  private prompt(): void {
    if (this.options.tty && !this.done) this.out("$ ");
  }

  private async run(line: string): Promise<void> {
    if (this.done) return;
    let stages: string[][];
    try {
      stages = pipeline(line);
    } catch (error) {
      this.err(`sh: syntax error: ${(error as Error).message}\n`);
      this.status = 2;
      return;
    }
    const [first, ...filters] = stages;
    if (first === undefined || first.length === 0) return;
    if (first[0] === "exit") {
      this.exit(first[1] === undefined ? this.status : Number(first[1]) & 0xff);
      return;
    }
    let result: ExecResult;
    try {
      result = await this.access.exec(this.target.namespace, this.target.pod, this.target.container, first);
    } catch (error) {
      result = { stdout: "", stderr: `${(error as Error).message}\n`, exitCode: 126 };
    }
    for (const filter of filters) result = applyFilter(filter, result.stdout, result.stderr);
    this.out(result.stdout);
    this.err(result.stderr);
    this.status = result.exitCode;
  }

  private exit(code: number): void {
    if (this.done) return;
    this.done = true;
    this.channels.write(ERROR, JSON.stringify(exitStatus(this.command, code)));
    this.channels.close();
  }

  private out(text: string): void {
    if (text !== "" && this.options.stdout) this.channels.write(STDOUT, this.terminal(text));
  }

  private err(text: string): void {
    if (text === "") return;
    if (this.options.tty) this.out(text);
    else if (this.options.stderr) this.channels.write(STDERR, text);
  }

  /** A terminal's output turns \n into \r\n. */
  private terminal(text: string): string {
    return this.options.tty ? text.replace(/\r?\n/g, "\r\n") : text;
  }
}

/** The commands of a line's pipeline, each as words: quotes and backslashes as sh reads them. */
function pipeline(line: string): string[][] {
  const stages: string[][] = [[]];
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  const finish = () => {
    if (word !== undefined) stages.at(-1)?.push(word);
    word = undefined;
  };
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (quote) {
      if (char === quote) quote = undefined;
      else if (char === "\\" && quote === '"' && /["\\$`]/.test(line[index + 1] ?? "")) word += line[++index] ?? "";
      else word += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      word ??= "";
    } else if (char === "\\") word = (word ?? "") + (line[++index] ?? "");
    else if (char === " " || char === "\t") finish();
    else if (char === "#" && word === undefined) break;
    else if (char === "|") {
      finish();
      stages.push([]);
    } else word = (word ?? "") + char;
  }
  if (quote) throw new Error(`unterminated quoted string`);
  finish();
  if (stages.length > 1 && stages.some((stage) => stage.length === 0)) throw new Error(`"|" unexpected`);
  return stages;
}

/** grep, head and wc -l at the end of a pipeline, on the previous command's output. */
function applyFilter(argv: string[], input: string, stderr: string): ExecResult {
  const [program, ...args] = argv;
  const lines = input.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const joined = (selected: string[]) => (selected.length > 0 ? `${selected.join("\n")}\n` : "");
  if (program === "grep") {
    const flags = args.filter((arg) => arg.startsWith("-") && arg.length > 1).join("");
    const pattern = args.find((arg) => !arg.startsWith("-") || arg === "-") ?? "";
    const regex = new RegExp(flags.includes("F") ? literal(pattern) : pattern, flags.includes("i") ? "gi" : "g");
    const hits = lines.filter((text) => (text.match(regex) !== null) !== flags.includes("v"));
    if (flags.includes("c")) return { stdout: `${hits.length}\n`, stderr, exitCode: hits.length > 0 ? 0 : 1 };
    const shown = flags.includes("o") ? hits.flatMap((text) => text.match(regex) ?? []) : hits;
    return { stdout: joined(shown), stderr, exitCode: hits.length > 0 ? 0 : 1 };
  }
  if (program === "head" || program === "tail") {
    const count = Number((args.find((arg) => /^-?\d+$/.test(arg)) ?? "10").replace("-", ""));
    return { stdout: joined(program === "head" ? lines.slice(0, count) : lines.slice(-count)), stderr, exitCode: 0 };
  }
  if (program === "wc" && args.includes("-l")) return { stdout: `${lines.length}\n`, stderr, exitCode: 0 };
  return { stdout: "", stderr: `${stderr}sh: ${program}: not found\n`, exitCode: 127 };
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
