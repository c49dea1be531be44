// Regressions found in review, each pinned by the behaviour it broke.
import { eventually, silentSink } from "@testbed/common";
import { applyHeaderMutation, mutateHeaders } from "@testbed/epp-client/client";
import { describe, expect, it } from "vitest";
import { startGateway } from "../src/gateway.js";
import { processorBench } from "./fixtures/processor-bench.js";
import { simpleConfig } from "./fixtures/simple-config.js";

const bench = processorBench();
const { gateways } = bench;

describe("processor streams, header mutations, filter validation and upstream accounting (found in review)", () => {
  it("concurrent first requests share one connection to the processor instead of killing each other's streams", async () => {
    const g = await startGateway(
      simpleConfig({
        upstream: [bench.upstream.hostPort],
        processor: bench.processor.address,
        mode: { request_header_mode: "SEND" },
      }),
      {
        accessLogSink: silentSink,
        log: silentSink,
      },
    );
    gateways.push(g);
    const base = Object.values(g.listenerUrls)[0];
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/x`).then((r) => r.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    const clusters = await (await fetch(`${g.adminUrl}/clusters`)).text();
    expect(clusters).toContain(`processor::${bench.processor.address}::cx_total::1`);
    expect(clusters).toContain(`processor::${bench.processor.address}::rq_success::20`);
  });

  it("a header mutation without append settings overwrites (Envoy's legacy append flag defaults to false)", () => {
    const headers: Record<string, string> = { "user-agent": "client" };
    applyHeaderMutation(headers, {
      set_headers: [{ header: { key: "user-agent", raw_value: Buffer.from("processor") } }],
    });
    expect(headers["user-agent"]).toBe("processor");
    applyHeaderMutation(headers, { set_headers: [{ header: { key: "x-a", raw_value: Buffer.from("1") } }] });
    expect(headers["x-a"]).toBe("1");
  });

  it("stops at a header mutation no HTTP codec could send (CR/LF in the value, a space in the name) with an error", () => {
    for (const bad of [
      { key: "x-split", raw_value: Buffer.from("a\r\nx-injected: 1") },
      { key: "bad name", raw_value: Buffer.from("v") },
    ]) {
      const headers: Record<string, string> = {};
      const result = mutateHeaders(headers, {
        set_headers: [{ header: bad }, { header: { key: "X-Fine", raw_value: Buffer.from("ok") } }],
      });
      expect(result).toEqual({ rejected: 1, error: "Invalid character in set_headers mutation." });
      expect(headers).toEqual({});
    }
  });

  it("refuses a base filter with a FULL_DUPLEX_STREAMED response body but no response trailer SEND", async () => {
    await expect(
      startGateway(
        simpleConfig({
          upstream: [bench.upstream.hostPort],
          processor: bench.processor.address,
          mode: { response_body_mode: "FULL_DUPLEX_STREAMED" },
        }),
        { log: silentSink },
      ),
    ).rejects.toThrow(/response_trailer_mode has to be set to SEND/);
  });

  it("returns rq_active to 0 when the client goes away mid-response", async () => {
    const { startVllmSim } = await import("@testbed/vllm-sim");
    const pod = await startVllmSim({ port: 0, timeScale: 1, log: silentSink });
    const g = await startGateway(simpleConfig({ upstream: [pod.url.replace("http://", "")] }), {
      accessLogSink: silentSink,
      log: silentSink,
    });
    gateways.push(g);
    const controller = new AbortController();
    const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "Qwen/Qwen3-0.6B",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 500,
        ignore_eos: true,
        stream: true,
      }),
      signal: controller.signal,
    });
    await response.body?.getReader().read();
    controller.abort();
    const host = pod.url.replace("http://", "");
    await eventually(async () =>
      expect(await (await fetch(`${g.adminUrl}/clusters`)).text()).toContain(`backend::${host}::rq_active::0`),
    );
    await pod.close();
  });
});

describe("token usage from a response's tail", () => {
  it("finds usage.total_tokens at the end of a large JSON body, and in SSE usage chunks", async () => {
    const { totalTokens } = await import("../src/kuadrant-filters/rate-limit-filter.js");
    const json = JSON.stringify({
      choices: [{ message: { content: "x".repeat(40_000) } }],
      usage: { prompt_tokens: 9, total_tokens: 5009, completion_tokens: 5000 },
    });
    expect(totalTokens(json.slice(-16_384))).toBe(5009);
    const sse =
      'data: {"choices":[{"delta":{"content":"data: tricky"}}]}\n\ndata: {"choices":[],"usage":{"prompt_tokens":9,"total_tokens":59,"completion_tokens":50}}\n\ndata: [DONE]\n\n';
    expect(totalTokens(sse)).toBe(59);
  });
});
