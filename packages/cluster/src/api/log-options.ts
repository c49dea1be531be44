// PodLogOptions from the query of `pods/log`, validated as kube-apiserver validates them:
// tailLines, limitBytes, sinceSeconds / sinceTime (one of the two), previous, timestamps.
import { ApiError } from "@testbed/apimachinery";
import type { LogOptions } from "./pod-access.js";

/** kubelet's `--timestamps` format: RFC 3339 with nanoseconds. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

export function parseLogTimeOptions(query: Record<string, string | undefined>, nowMs: number): LogOptions {
  const options: LogOptions = {
    previous: query.previous === "true",
    timestamps: query.timestamps === "true",
  };
  if (query.sinceSeconds !== undefined && query.sinceTime !== undefined) {
    throw invalid("sinceSeconds", query.sinceSeconds, "at most one of `sinceTime` or `sinceSeconds` may be specified");
  }
  if (query.sinceSeconds !== undefined) {
    const seconds = Number(query.sinceSeconds);
    if (!Number.isInteger(seconds) || seconds < 1)
      throw invalid("sinceSeconds", query.sinceSeconds, "must be greater than 0");
    options.sinceMs = nowMs - seconds * 1000;
  }
  if (query.sinceTime !== undefined) {
    const time = Date.parse(query.sinceTime);
    if (Number.isNaN(time)) throw new ApiError("BadRequest", `parsing time "${query.sinceTime}" as RFC 3339 failed`);
    options.sinceMs = time;
  }
  return options;
}

function invalid(field: string, value: string, message: string): ApiError {
  return new ApiError("Invalid", `PodLogOptions "" is invalid: ${field}: Invalid value: ${value}: ${message}`);
}
