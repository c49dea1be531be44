// A prefill pod and a decode pod with llm-d's routing sidecar, both serving HTTPS as in the topology.
import { fileURLToPath } from "node:url";
import { silentSink } from "@testbed/common";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const fixture = (name: string) => fileURLToPath(new URL(`../packages/vllm-sim/test/fixtures/${name}`, import.meta.url));
const tls = { sslCertfile: fixture("pod-tls.crt"), sslKeyfile: fixture("pod-tls.key") };
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

let prefill: VllmSimHandle;
let decode: VllmSimHandle;

beforeAll(async () => {
  const common = { host: "127.0.0.1", port: 0, timeScale: 0, log: silentSink, enablePrefixCaching: true, ...tls };
  prefill = await startVllmSim({ ...common, role: "prefill" });
  decode = await startVllmSim({ ...common, role: "decode", sidecarPort: 0, prefillerUseTls: true });
});
afterAll(async () => {
  await decode.close();
  await prefill.close();
});

async function chat(url: string, body: object, headers: Record<string, string> = {}) {
  const response = await request(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    dispatcher: insecure,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

async function metric(pod: VllmSimHandle, name: string): Promise<number> {
  const text = (await request(`${pod.url}/metrics`, { dispatcher: insecure }).then((r) => r.body.text())) as string;
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`));
  return Number(line?.split(" ").at(-1));
}

const question = {
  model: "Qwen/Qwen3-0.6B",
  messages: [{ role: "user", content: "Explain prefill. ".repeat(30) }],
  max_tokens: 8,
};

describe("prefill/decode disaggregation through the routing sidecar", () => {
  it("serves HTTPS on the pod and on the sidecar", () => {
    expect(prefill.url).toMatch(/^https:\/\//);
    expect(decode.sidecarUrl).toMatch(/^https:\/\//);
  });

  it("without x-prefiller-host-port, the sidecar just proxies to local vLLM", async () => {
    const before = await metric(prefill, "vllm:prompt_tokens_total");
    const response = await chat(decode.podUrl, question);
    expect(response.status).toBe(200);
    expect(await metric(prefill, "vllm:prompt_tokens_total")).toBe(before);
  });

  it("with x-prefiller-host-port, the prefill pod computes one token and the decode pod generates the rest", async () => {
    const prefillHostPort = prefill.url.replace("https://", "");
    const generatedBefore = await metric(prefill, "vllm:generation_tokens_total");
    const response = await chat(decode.podUrl, question, { "x-prefiller-host-port": prefillHostPort });
    expect(response.status).toBe(200);
    const body = JSON.parse(response.text);
    expect(body.usage.completion_tokens).toBe(8);
    expect(body.kv_transfer_params).toBeNull();
    expect((await metric(prefill, "vllm:generation_tokens_total")) - generatedBefore).toBe(1);
  });

  it("the prefill pod answers the sidecar's request with finish_reason length and kv_transfer_params (NixlConnector)", async () => {
    const response = await chat(prefill.url, {
      ...question,
      max_tokens: 1,
      kv_transfer_params: { do_remote_decode: true, do_remote_prefill: false },
    });
    const body = JSON.parse(response.text);
    expect(body.choices[0].finish_reason).toBe("length");
    expect(body.kv_transfer_params).toMatchObject({ do_remote_decode: false, do_remote_prefill: true, tp_size: 1 });
    expect(body.kv_transfer_params.remote_block_ids.length).toBeGreaterThan(0);
  });

  it("a prefill pod streams a remote-decode request as vLLM does (no refusal)", async () => {
    const response = await chat(prefill.url, {
      ...question,
      max_tokens: 1,
      stream: true,
      kv_transfer_params: { do_remote_decode: true },
    });
    expect(response.status).toBe(200);
    expect(response.text).toContain('"finish_reason":"length"');
    expect(response.text).toContain("data: [DONE]");
  });

  it("streams the decode through the sidecar after a remote prefill", async () => {
    const prefillHostPort = prefill.url.replace("https://", "");
    const response = await chat(
      decode.podUrl,
      { ...question, stream: true, stream_options: { include_usage: true } },
      { "x-prefiller-host-port": prefillHostPort },
    );
    expect(response.status).toBe(200);
    expect(response.text).toContain('"completion_tokens":8');
    expect(response.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("takes the first of several x-prefiller-host-port values and keeps the client's x-request-id", async () => {
    const prefillHostPort = prefill.url.replace("https://", "");
    const response = await chat(decode.podUrl, question, {
      "x-prefiller-host-port": `${prefillHostPort}, 127.0.0.1:1`,
      "x-request-id": "pd-trace-1",
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text).id).toBe("chatcmpl-pd-trace-1");
  });

  it("passes the prefill pod's failure status back without a body", async () => {
    const response = await chat(
      decode.podUrl,
      { ...question, model: "wrong" },
      {
        "x-prefiller-host-port": prefill.url.replace("https://", ""),
      },
    );
    expect(response.status).toBe(404);
    expect(response.text).toBe("");
  });
});
