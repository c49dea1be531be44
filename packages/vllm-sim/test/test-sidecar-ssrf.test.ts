// The routing sidecar's SSRF protection (llm-d pd-sidecar allowlist.go / chat_completions.go): with
// --enable-ssrf-protection, x-prefiller-host-port must name a pod of the InferencePool (by IP or
// name, port ignored), else 403 with Go's plain-text error; the first of several values is used.
import { silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartupError } from "../src/model-server.js";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";

let prefill: VllmSimHandle;
let decode: VllmSimHandle;
let members: string[] = [];

beforeAll(async () => {
  const common = { host: "127.0.0.1", port: 0, timeScale: 0, log: silentSink };
  prefill = await startVllmSim({ ...common, role: "prefill" });
  decode = await startVllmSim({
    ...common,
    role: "decode",
    sidecarPort: 0,
    enableSsrfProtection: true,
    inferencePoolNamespace: "llm",
    inferencePoolName: "qwen3-pool",
    inferencePoolMembers: () => members,
  });
});
afterAll(async () => {
  await decode.close();
  await prefill.close();
});

const question = { model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 };

async function viaSidecar(prefiller: string) {
  const response = await fetch(`${decode.podUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-prefiller-host-port": prefiller },
    body: JSON.stringify(question),
  });
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

const prefillRequests = async () => {
  const text = await (await fetch(`${prefill.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("vllm:request_success_total{") && l.includes('"length"'));
  return Number(line?.split(" ").at(-1) ?? 0);
};

describe("the sidecar's SSRF allow-list", () => {
  it("refuses a prefill target outside the InferencePool with 403, before reaching it", async () => {
    members = ["10.128.0.7", "qwen3-prefill-0"];
    const before = await prefillRequests();
    const refused = await viaSidecar(prefill.url.replace("http://", ""));
    expect(refused).toEqual({
      status: 403,
      type: "text/plain; charset=utf-8",
      text: "Forbidden: prefill target not allowed by SSRF protection\n",
    });
    expect(await prefillRequests()).toBe(before);
  });

  it("lets a pool member through, matching its IP whatever the port", async () => {
    members = ["127.0.0.1"];
    const before = await prefillRequests();
    const allowed = await viaSidecar(prefill.url.replace("http://", ""));
    expect(allowed.status).toBe(200);
    expect(await prefillRequests()).toBe(before + 1);
  });

  it("uses the first of several x-prefiller-host-port values", async () => {
    members = ["127.0.0.1"];
    const first = await viaSidecar(`${prefill.url.replace("http://", "")}, 10.0.0.9:8000`);
    expect(first.status).toBe(200);
    const second = await viaSidecar(`10.0.0.9:8000, ${prefill.url.replace("http://", "")}`);
    expect(second.status).toBe(403);
  });

  it("refuses to start without the pool to watch, as the sidecar's option validation does", async () => {
    const starting = startVllmSim({
      host: "127.0.0.1",
      port: 0,
      timeScale: 0,
      log: silentSink,
      sidecarPort: 0,
      enableSsrfProtection: true,
    });
    await expect(starting).rejects.toThrow(StartupError);
    await expect(starting).rejects.toThrow(
      "--inference-pool, --inference-pool-namespace, INFERENCE_POOL, or INFERENCE_POOL_NAMESPACE environment variable is required when --enable-ssrf-protection is true",
    );
  });
});
