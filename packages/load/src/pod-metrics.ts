import { parsePrometheusText, sumOf } from "@testbed/common";
import { request } from "undici";
import { histogramOf } from "./histograms.js";
import { insecureAgent } from "./insecure-agent.js";
import type { PodCounters, PodHistograms, PodTarget } from "./types.js";

/** vLLM's latency histograms the report reads, by the name the report gives them. */
export const LATENCY_METRICS = {
  ttft: ["vllm:time_to_first_token_seconds"],
  // inter_token_latency is vLLM ≥ 0.10's name; time_per_output_token the older, deprecated one.
  itl: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
  e2e: ["vllm:e2e_request_latency_seconds"],
} as const;

export interface PodMetrics {
  counters: PodCounters;
  histograms: PodHistograms;
}

/** Read one pod's /metrics (any http(s) base URL, certificate not verified) into its counters and latency histograms. */
export async function fetchPodMetrics(target: PodTarget, timeoutMs = 5_000): Promise<PodMetrics> {
  const response = await request(`${target.url.replace(/\/$/, "")}/metrics`, {
    dispatcher: insecureAgent(),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${target.url}/metrics: HTTP ${response.statusCode}`);
  const samples = parsePrometheusText(text);
  const histograms: PodHistograms = {};
  for (const names of Object.values(LATENCY_METRICS)) {
    for (const name of names) {
      const histogram = histogramOf(samples, name);
      if (histogram) histograms[name] = histogram;
    }
  }
  return {
    counters: {
      pod: target.pod,
      role: target.role,
      requests: sumOf(samples, "vllm:request_success_total"),
      prefixHits: sumOf(samples, "vllm:prefix_cache_hits_total"),
      prefixQueries: sumOf(samples, "vllm:prefix_cache_queries_total"),
    },
    histograms,
  };
}
