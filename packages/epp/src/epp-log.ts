// The EPP's log, in the two encoders controller-runtime's zap offers (`--zap-encoder`).
import type { LogSink } from "@testbed/common";

/** zap's encoders: console (tab-separated, what the seed shows) or json. */
export type ZapEncoder = "console" | "json";

/** The EPP's log at one verbosity, while -v lets its lines through. */
export interface VerboseLog {
  info(logger: string, message: string, fields?: Record<string, unknown>): void;
}

/**
 * The EPP's log lines as zap writes them.
 * console: `2026-11-27T06:30:00.000Z	INFO	setup	gRPC server listening	{"name": "ext-proc", "port": 9002}`
 * json:    `{"level":"info","ts":"2026-11-27T06:30:00Z","logger":"setup","msg":"gRPC server listening",…}` (library option)
 * `-v` sets how chatty it is (logr verbosity; default 2): V(n) lines are zap level −n, printed as
 * `Level(-n)` (json) / `LEVEL(-n)` (console), V(1) as debug. At 3 every request's "Request handled"
 * line appears (GIE ≥ v1.x and llm-d-router log it at VERBOSE = 3, so the default prints none);
 * at 4 the testbed adds each decision's per-profile scores and per-message tracing.
 */
export class EppLogger {
  constructor(
    private readonly sink: LogSink,
    private readonly now: () => number,
    readonly verbosity: number,
    private readonly encoder: ZapEncoder = "console",
  ) {}

  info(logger: string, message: string, fields: Record<string, unknown> = {}): void {
    this.write(0, logger, message, fields);
  }

  error(logger: string, message: string, fields: Record<string, unknown> = {}): void {
    this.write(2, logger, message, fields);
  }

  /**
   * logr's V(level): lines at `level`, or undefined when -v is below it. A line written
   * `log.v(3)?.info(…)` builds no fields while it is off (an optional call skips its arguments),
   * with the one check here.
   */
  v(level: number): VerboseLog | undefined {
    if (this.verbosity < level) return undefined;
    return { info: (logger, message, fields = {}) => this.write(-level, logger, message, fields) };
  }

  private write(zapLevel: number, logger: string, message: string, fields: Record<string, unknown>): void {
    const time = new Date(this.now()).toISOString();
    if (this.encoder === "json") {
      const head = { level: levelName(zapLevel), ts: `${time.slice(0, 19)}Z`, logger, msg: message };
      this.sink(JSON.stringify({ ...head, ...fields }));
      return;
    }
    const rendered = Object.keys(fields).length === 0 ? "" : `\t${zapFields(fields)}`;
    this.sink(`${time}\t${levelName(zapLevel).toUpperCase()}\t${logger}\t${message}${rendered}`);
  }
}

/** zap's lower-case level names; levels below debug have none and print as Level(n). */
function levelName(zapLevel: number): string {
  if (zapLevel === 0) return "info";
  if (zapLevel === -1) return "debug";
  if (zapLevel === 2) return "error";
  return `Level(${zapLevel})`;
}

/** zap's console encoder writes fields as JSON with a space after each colon and comma. */
function zapFields(fields: Record<string, unknown>): string {
  return JSON.stringify(fields).replace(/":/g, '": ').replace(/,"/g, ', "');
}
