/** Where a component writes its log lines. The CLI writes them to stderr; tests collect them. */
export type LogSink = (line: string) => void;

export const stderrSink: LogSink = (line) => {
  process.stderr.write(`${line}\n`);
};

export const silentSink: LogSink = () => {};

/** A sink that keeps lines in memory, for tests and for `oc logs` later. */
export class LogBuffer {
  readonly lines: string[] = [];
  constructor(private readonly capacity = 10_000) {}

  readonly sink: LogSink = (line) => {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.shift();
  };
}
