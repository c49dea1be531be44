import { parsePrometheusText, sumOf } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { clusterReport, diffSnapshots, histogramOf, histogramQuantile, percentiles } from "../src/index.js";

const EXPOSITION = `# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="stop"} 3
vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",engine="0",finished_reason="length"} 4
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m",engine="0"} 2
vllm:time_to_first_token_seconds_bucket{le="0.5",model_name="m",engine="0"} 6
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m",engine="0"} 10
vllm:time_to_first_token_seconds_sum{model_name="m",engine="0"} 4
vllm:time_to_first_token_seconds_count{model_name="m",engine="0"} 10
`;

describe("metrics arithmetic", () => {
  it("percentiles interpolate between ranks", () => {
    const values = Array.from({ length: 101 }, (_, i) => i);
    expect(percentiles(values)).toEqual({ p50: 50, p90: 90, p99: 99, mean: 50 });
    expect(percentiles([])).toEqual({ p50: 0, p90: 0, p99: 0, mean: 0 });
  });

  it("sums a counter over its label sets and reads a histogram", () => {
    const samples = parsePrometheusText(EXPOSITION);
    expect(sumOf(samples, "vllm:request_success_total")).toBe(7);
    const ttft = histogramOf(samples, "vllm:time_to_first_token_seconds");
    expect(ttft).toEqual({ le: [0.1, 0.5, Number.POSITIVE_INFINITY], cumulative: [2, 6, 10], sum: 4, count: 10 });
  });

  it("histogram_quantile interpolates inside the bucket and caps at the highest finite bound", () => {
    const histogram = { le: [0.1, 0.5, Number.POSITIVE_INFINITY], cumulative: [2, 6, 10], sum: 4, count: 10 };
    expect(histogramQuantile(histogram, 0.1)).toBeCloseTo(0.05);
    expect(histogramQuantile(histogram, 0.4)).toBeCloseTo(0.3);
    expect(histogramQuantile(histogram, 0.9)).toBe(0.5);
  });

  it("diffs snapshots per pod, a restarted pod counting from zero, and sums histogram deltas", () => {
    const pod = (name: string, requests: number, hits: number, queries: number) => ({
      pod: name,
      role: "decode",
      requests,
      prefixHits: hits,
      prefixQueries: queries,
    });
    const le = [0.1, Number.POSITIVE_INFINITY];
    const before = {
      pods: [pod("a", 10, 100, 200), pod("b", 5, 0, 50)],
      histograms: { a: { "vllm:e2e_request_latency_seconds": { le, cumulative: [10, 10], sum: 0.5, count: 10 } } },
    };
    const after = {
      pods: [pod("a", 14, 160, 300), pod("b", 2, 10, 20), pod("c", 1, 0, 10)],
      histograms: { a: { "vllm:e2e_request_latency_seconds": { le, cumulative: [12, 14], sum: 1.1, count: 14 } } },
    };
    expect(diffSnapshots(before, after)).toEqual([pod("a", 4, 60, 100), pod("b", 2, 10, 20), pod("c", 1, 0, 10)]);
    const report = clusterReport(before, after);
    expect(report.cacheHitRate).toBeCloseTo(70 / 130);
    expect(report.simulated?.e2e?.mean).toBeCloseTo(150); // 0.6 s over 4 requests, in ms
    expect(report.simulated?.ttft).toBeUndefined();
  });
});
