// vLLM's log line format: `INFO 11-27 06:15:59 [gpu_worker.py:298] message` — level, month-day,
// time, the source location vLLM would print, then the message.
import type { LogSink } from "@testbed/common";

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR";

export class VllmLogger {
  constructor(
    private readonly sink: LogSink,
    private readonly now: () => number,
  ) {}

  info(source: string, message: string): void {
    this.write("INFO", source, message);
  }

  warning(source: string, message: string): void {
    this.write("WARNING", source, message);
  }

  error(source: string, message: string): void {
    this.write("ERROR", source, message);
  }

  /** uvicorn's access log line, which vLLM's API server prints for every request. */
  access(clientAddress: string, method: string, path: string, status: number, reason: string): void {
    this.sink(`INFO:     ${clientAddress} - "${method} ${path} HTTP/1.1" ${status} ${reason}`);
  }

  private write(level: LogLevel, source: string, message: string): void {
    this.sink(`${level} ${timestamp(this.now())} [${source}] ${message}`);
  }
}

function timestamp(ms: number): string {
  const date = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/**
 * Python's `f"{n:,}"` for an integer (vLLM's KV cache size and concurrency lines), written out
 * rather than through toLocaleString: a pod process would load ICU's number data for two lines.
 */
export function groupedThousands(value: number): string {
  return String(Math.trunc(value)).replace(/\B(?=(\d{3})+$)/g, ",");
}
