import { percentiles } from "./percentiles.js";
import type { LoadSummary, RequestRecord } from "./types.js";

/** The run's figures: status counts, throughput, and wall-clock latency percentiles of the successful requests. */
export function summarize(records: readonly RequestRecord[], durationMs: number): LoadSummary {
  const byStatus: Record<string, number> = {};
  for (const record of records) byStatus[String(record.status)] = (byStatus[String(record.status)] ?? 0) + 1;
  const ok = records.filter((record) => record.status >= 200 && record.status < 300);
  const ttfts = ok.flatMap((record) => (record.ttftMs === undefined ? [] : [record.ttftMs]));
  const itls = ok.flatMap((record) => record.itlMs ?? []);
  const outputTokens = ok.reduce((total, record) => total + (record.completionTokens ?? 0), 0);
  const seconds = durationMs / 1000;
  const wall: LoadSummary["wall"] = { e2e: percentiles(ok.map((record) => record.wallMs)) };
  if (ttfts.length > 0) wall.ttft = percentiles(ttfts);
  if (itls.length > 0) wall.itl = percentiles(itls);
  const errors: Record<string, string> = {};
  for (const record of records) {
    if (record.error !== undefined) errors[String(record.status)] ??= record.error;
  }
  return {
    total: records.length,
    byStatus,
    wall,
    durationMs,
    requestsPerSecond: seconds > 0 ? records.length / seconds : 0,
    outputTokensPerSecond: seconds > 0 ? outputTokens / seconds : 0,
    throughEppShare: records.length > 0 ? records.filter((record) => record.throughEpp).length / records.length : 0,
    ...(Object.keys(errors).length > 0 ? { errors } : {}),
  };
}
