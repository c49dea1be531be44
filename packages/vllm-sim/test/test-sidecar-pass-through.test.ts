// The routing sidecar's decoder proxy (llm-d pkg/sidecar/proxy/proxy.go: httputil.ReverseProxy on "/"):
// what the EPP's scrapes of a decode pod and every other non-inference path go through.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { LogBuffer, SimulatedClock, silentSink } from "@testbed/common";
import { startRoutingSidecar, startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let pod: VllmSimHandle;

beforeAll(async () => {
  pod = await startVllmSim({ host: "127.0.0.1", port: 0, timeScale: 0, log: silentSink, sidecarPort: 0 });
});
afterAll(() => pod.close());

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers });
  return {
    status: response.statusCode,
    headers: response.headers,
    bytes: Buffer.from(await response.body.arrayBuffer()),
  };
}

describe("the routing sidecar's pass-through to vLLM", () => {
  it("forwards GET /metrics with vLLM's status, headers and bytes", async () => {
    const direct = await get(`${pod.url}/metrics`);
    const proxied = await get(`${pod.sidecarUrl}/metrics`);
    expect(proxied.status).toBe(200);
    expect(proxied.bytes.equals(direct.bytes)).toBe(true);
    for (const name of ["content-type", "server", "content-length"])
      expect(proxied.headers[name]).toBe(direct.headers[name]);
    expect(proxied.headers["content-length"]).toBe(String(direct.bytes.length));
    expect(proxied.headers["transfer-encoding"]).toBeUndefined();
    expect(proxied.headers.date).toBeDefined();
  });

  it("passes vLLM's own answers through unchanged: a 404 and a 405 with their bodies and headers", async () => {
    const missing = await get(`${pod.sidecarUrl}/no-such-path`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.bytes.toString())).toEqual({ detail: "Not Found" });
    expect(missing.headers.server).toBe("uvicorn");
    const direct = await request(`${pod.url}/v1/models`, { method: "DELETE" });
    const wrongMethod = await request(`${pod.sidecarUrl}/v1/models`, { method: "DELETE" });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe(direct.headers.allow);
    expect(await wrongMethod.body.text()).toBe(await direct.body.text());
  });

  it("sends the client's headers on to vLLM (X-Request-Id is echoed with --enable-request-id-headers)", async () => {
    const echoing = await startVllmSim({
      host: "127.0.0.1",
      port: 0,
      timeScale: 0,
      log: silentSink,
      sidecarPort: 0,
      enableRequestIdHeaders: true,
    });
    const answer = await get(`${echoing.sidecarUrl}/v1/models`, { "x-request-id": "scrape-7" });
    expect(answer.status).toBe(200);
    expect(answer.headers["x-request-id"]).toBe("scrape-7");
    await echoing.close();
  });

  it("delivers a whole answer whose decoder closes the connection right after it (Connection: close)", async () => {
    const body = Buffer.alloc(40_000, "a");
    const decoder = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/plain", "content-length": body.length, connection: "close" });
      response.end(body);
    });
    await new Promise<void>((listening) => decoder.listen(0, "127.0.0.1", listening));
    const sidecar = await startRoutingSidecar({
      host: "127.0.0.1",
      port: 0,
      decoderUrl: `http://127.0.0.1:${(decoder.address() as AddressInfo).port}`,
      prefillerUseTls: false,
      https: undefined,
      log: silentSink,
      clock: new SimulatedClock(Date.UTC(2026, 11, 7)),
    });
    for (let i = 0; i < 5; i++) {
      const answer = await get(`${sidecar.url}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(body)).toBe(true);
    }
    await sidecar.close();
    await new Promise((closed) => decoder.close(closed));
  });

  it("answers 502 with no body and logs 'waiting for vLLM to be ready' while nothing listens on the decoder port", async () => {
    const logs = new LogBuffer();
    const sidecar = await startRoutingSidecar({
      host: "127.0.0.1",
      port: 0,
      decoderUrl: "http://127.0.0.1:1",
      prefillerUseTls: false,
      https: undefined,
      log: logs.sink,
      clock: new SimulatedClock(Date.UTC(2026, 11, 7)),
    });
    const answer = await get(`${sidecar.url}/metrics`);
    expect(answer.status).toBe(502);
    expect(answer.bytes.length).toBe(0);
    const line = JSON.parse(logs.lines.at(-1) as string) as Record<string, string>;
    expect(line).toMatchObject({ level: "error", logger: "proxy server", msg: "waiting for vLLM to be ready" });
    expect(line.error).toContain("ECONNREFUSED");
    // The sidecar still serves afterwards.
    expect((await get(`${sidecar.url}/health`)).status).toBe(200);
    await sidecar.close();
  });
});
