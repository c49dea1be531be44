import { ModelServer, resolveOptions } from "@testbed/vllm-sim";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { readEndpointMetrics } from "../src/datastore/metrics-scraper.js";
import { firstSample, PrometheusTextError } from "../src/datastore/prometheus-samples.js";

const WANTED = [
  "vllm:num_requests_waiting",
  "vllm:num_requests_running",
  "vllm:kv_cache_usage_perc",
  "vllm:gpu_cache_usage_perc",
  "vllm:cache_config_info",
];

/** What a full parse of the exposition says the first sample of a family is. */
function firstByFullParse(text: string, name: string) {
  const family = parsePrometheusTextFormat(text).find((candidate) => candidate.name === name);
  const sample = family?.metrics[0];
  return sample && { labels: sample.labels ?? {}, value: Number(sample.value) };
}

describe("reading the EPP's gauges out of a /metrics text", () => {
  it("finds what a full parse finds in a vllm-sim exposition, with and without the hidden 0.10 gauge", async () => {
    for (const showHiddenMetricsForVersion of [undefined, "0.10"]) {
      const server = ModelServer.create(resolveOptions({ timeScale: 0, showHiddenMetricsForVersion }));
      server.metrics.overrides = { numRequestsWaiting: 3, numRequestsRunning: 5, kvCacheUsagePerc: 0.25 };
      const text = await server.metrics.exposition();
      server.close();
      for (const name of WANTED) expect(firstSample(text, name), name).toEqual(firstByFullParse(text, name));
      expect(readEndpointMetrics(text)).toMatchObject({ waitingQueueSize: 3, runningRequests: 5, kvCacheUsage: 0.25 });
      expect(readEndpointMetrics(text).numGpuBlocks).toBeGreaterThan(0);
    }
  });

  it("matches whole names on sample lines only, unescapes label values and ignores timestamps", () => {
    const text = [
      "# HELP vllm:num_requests_waiting vllm:num_requests_waiting 99",
      "# TYPE vllm:num_requests_waiting gauge",
      'vllm:num_requests_waiting_total{a="1"} 42',
      'vllm:num_requests_waiting{model_name="a\\"b\\\\c\\nd", engine="0"} 7 1700000000000',
      'vllm:num_requests_waiting{model_name="second"} 8',
      "vllm:num_requests_running 2",
    ].join("\n");
    expect(firstSample(text, "vllm:num_requests_waiting")).toEqual({
      labels: { model_name: 'a"b\\c\nd', engine: "0" },
      value: 7,
    });
    expect(firstSample(text, "vllm:num_requests_running")).toEqual({ labels: {}, value: 2 });
    expect(firstSample(text, "vllm:kv_cache_usage_perc")).toBeUndefined();
    expect(firstSample("vllm:kv_cache_usage_perc 0.5\n", "vllm:kv_cache_usage_perc")?.value).toBe(0.5);
    const info =
      'vllm:cache_config_info{num_gpu_blocks_override="None",block_size="16",note="a\\"b",num_gpu_blocks="99"} 1';
    expect(firstSample(info, "vllm:cache_config_info", ["block_size", "num_gpu_blocks"])).toEqual({
      labels: { block_size: "16", num_gpu_blocks: "99" },
      value: 1,
    });
  });

  it("fails the scrape on a malformed wanted line instead of guessing", () => {
    expect(() => firstSample('vllm:num_requests_running{engine="0} 1\n', "vllm:num_requests_running")).toThrow(
      PrometheusTextError,
    );
    expect(() => firstSample("vllm:num_requests_running \n", "vllm:num_requests_running")).toThrow(/expected a value/);
    expect(() => firstSample("vllm:num_requests_running{engine} 1\n", "vllm:num_requests_running")).toThrow(
      /malformed label set/,
    );
  });
});
