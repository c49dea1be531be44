import { parsePrometheusText, sumOf } from "@testbed/common";
import { parseAccessLogLine, parseAdminClusters, sampleEvenly } from "@testbed/web";
import { describe, expect, it } from "vitest";

const LINE =
  '[2026-12-07T06:14:56.802Z] "POST /my-first-model/qwen3-0-6b/v1/chat/completions HTTP/2" 400 - via_upstream - "-" 87 148 30 11 "127.0.0.1" "curl/7.88.1" "a1a288b6-ca89-4e6e-99cd-681289bc589c" "127.130.93.22" "127.129.93.21:8000" outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local 127.0.0.1:59232 127.130.93.22:443 127.0.0.1:51182 - my-first-model.qwen3-0-6b-kserve-route.1';

describe("reading what the testbed's pods print", () => {
  it("an Istio access log line gives status, details, x-request-id, upstream host, cluster and route", () => {
    expect(parseAccessLogLine(LINE)).toMatchObject({
      method: "POST",
      status: 400,
      responseCodeDetails: "via_upstream",
      requestId: "a1a288b6-ca89-4e6e-99cd-681289bc589c",
      upstreamHost: "127.129.93.21:8000",
      upstreamCluster: "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local",
      routeName: "my-first-model.qwen3-0-6b-kserve-route.1",
      durationMs: 30,
    });
    expect(parseAccessLogLine("error\tenvoy config\tgateway config rejected: bad")).toBeUndefined();
  });

  it("/clusters folds per cluster: cx_total and cx_connect_fail summed over hosts, rq_total per host", () => {
    const text = [
      "outbound|9002||epp.ns.svc.cluster.local::default_priority::max_connections::4294967295",
      "outbound|9002||epp.ns.svc.cluster.local::127.1.1.1:9002::cx_total::3",
      "outbound|9002||epp.ns.svc.cluster.local::127.1.1.1:9002::cx_connect_fail::2",
      "outbound|9002||epp.ns.svc.cluster.local::127.1.1.2:9002::cx_total::1",
      "outbound|9002||epp.ns.svc.cluster.local::127.1.1.2:9002::rq_total::5",
      "pool::127.2.2.2:8000::rq_total::7",
      "garbage",
    ].join("\n");
    expect(parseAdminClusters(text)).toEqual([
      {
        name: "outbound|9002||epp.ns.svc.cluster.local",
        cxTotal: 4,
        cxConnectFail: 2,
        rqTotal: 5,
        rqError: 0,
        rqByHost: { "127.1.1.2:9002": 5 },
      },
      { name: "pool", cxTotal: 0, cxConnectFail: 0, rqTotal: 7, rqError: 0, rqByHost: { "127.2.2.2:8000": 7 } },
    ]);
  });

  it("Prometheus text: labels, comments skipped, sums by label", () => {
    const samples = parsePrometheusText(
      [
        "# HELP vllm:request_success_total Count",
        'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",finished_reason="stop"} 3',
        'vllm:request_success_total{model_name="Qwen/Qwen3-0.6B",finished_reason="length"} 2',
        'inference_extension_scheduler_attempts_total{status="failure"} 1',
        "vllm:kv_cache_usage_perc 0.25",
        "not a sample",
      ].join("\n"),
    );
    expect(sumOf(samples, "vllm:request_success_total")).toBe(5);
    expect(sumOf(samples, "vllm:request_success_total", { finished_reason: "stop" })).toBe(3);
    expect(sumOf(samples, "vllm:kv_cache_usage_perc")).toBe(0.25);
    expect(samples).toHaveLength(4);
  });

  it("a batch of requests is sampled evenly, first and last kept", () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const picked = sampleEvenly(items, 25);
    expect(picked).toHaveLength(25);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(99);
    expect(sampleEvenly([1, 2], 25)).toEqual([1, 2]);
  });
});
