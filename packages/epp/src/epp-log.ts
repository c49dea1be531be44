import type { LogSink } from "@testbed/common";

/**
 * The EPP's log lines in zap's console format, as the seed quotes them:
 * `2026-11-27T06:30:00.000Z	INFO	setup	gRPC server listening	{"name": "ext-proc", "port": 9002}`.
 * `-v` sets how chatty it is: 0–1 info, 2 (default) adds request errors, ≥ 3 explains every
 * scheduling decision, ≥ 4 adds per-message tracing.
 */
export class EppLogger {
  constructor(
    private readonly sink: LogSink,
    private readonly now: () => number,
    readonly verbosity: number,
  ) {}

  info(logger: string, message: string, fields: Record<string, unknown> = {}): void {
    this.write("INFO", logger, message, fields);
  }

  error(logger: string, message: string, fields: Record<string, unknown> = {}): void {
    this.write("ERROR", logger, message, fields);
  }

  /** Logged only when -v is at least `level`. */
  verbose(level: number, logger: string, message: string, fields: Record<string, unknown> = {}): void {
    if (this.verbosity >= level) this.write("DEBUG", logger, message, fields);
  }

  private write(level: string, logger: string, message: string, fields: Record<string, unknown>): void {
    const rendered = Object.keys(fields).length === 0 ? "" : `\t${zapFields(fields)}`;
    this.sink(`${new Date(this.now()).toISOString()}\t${level}\t${logger}\t${message}${rendered}`);
  }
}

/** zap's console encoder writes fields as JSON with a space after each colon and comma. */
function zapFields(fields: Record<string, unknown>): string {
  return JSON.stringify(fields).replace(/":/g, '": ').replace(/,"/g, ', "');
}
