// `testbed trace` on the seed's cluster: the as-shipped Bug 1 request (body moved into an ext_proc
// stream that failed TLS, fail-open, vLLM got no body → 400), then, after the seed's fixes, a request
// with the EPP's scores per pod and its prefill and decode pods. The trace endpoint is wired as
// `testbed up` wires it: a collector over the store's pods, its URL on the server file's 4th line.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeServerAddress } from "@testbed/apimachinery";
import { COMMANDS } from "@testbed/cli";
import { eventually } from "@testbed/common";
import {
  type EngineHop,
  type RequestTrace,
  type SchedulingHop,
  startTraceServer,
  TraceCollector,
  type TraceServerHandle,
  type TracesResponse,
  traceTargets,
} from "@testbed/trace";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { CHAT_PATH, type SeedTestbed, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let traces: TraceServerHandle;
let gateway = "";
const home = mkdtempSync(join(tmpdir(), "testbed-trace-"));
const TOKEN = "trace-test-token";
let probes = 0;

beforeAll(async () => {
  cluster = await startSeedTestbed(91, { istio: "1.26" });
  gateway = await cluster.gatewayAddress("openshift-ai-inference");
  const collector = new TraceCollector(() => traceTargets(cluster.testbed.store.peekList("Pod")));
  traces = await startTraceServer({ collector, token: TOKEN });
  await writeServerAddress(cluster.testbed.api.url, { TESTBED_HOME: home }, process.pid, TOKEN, undefined, traces.url);
}, 30_000);
afterAll(async () => {
  await traces?.close();
  await cluster?.close();
  rmSync(home, { recursive: true, force: true });
});

/** A chat completion through openshift-ai-inference with our own x-request-id (certificate not verified, as curl -k). */
async function chat(requestId: string, content: string): Promise<number> {
  const response = await request(`https://${gateway}${CHAT_PATH}`, {
    method: "POST",
    dispatcher: insecure,
    headers: { "content-type": "application/json", "x-request-id": requestId },
    body: JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content }], max_tokens: 4 }),
  });
  await response.body.text();
  return response.statusCode;
}
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** `testbed trace ARGS` through the CLI's command table, against the server file in `home`. */
async function testbedTrace(...argv: string[]): Promise<{ code: number; out: string }> {
  const command = await COMMANDS.find((entry) => entry.name === "trace")?.load();
  if (!command) throw new Error("no trace command");
  let out = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.stubEnv("TESTBED_HOME", home);
  try {
    const code = await command.run(argv);
    return { code, out };
  } finally {
    write.mockRestore();
    vi.unstubAllEnvs();
  }
}

/** The trace of `id` once every component has reported its part (the vLLM hop lands as the response ends). */
async function traceOf(id: string, parts: number): Promise<RequestTrace> {
  let found: RequestTrace | undefined;
  await eventually(async () => {
    const { out } = await testbedTrace(id, "--json");
    found = (JSON.parse(out) as TracesResponse).traces[0];
    return (found?.sources.length ?? 0) >= parts;
  });
  return found as RequestTrace;
}

describe("testbed trace on the seed's cluster", () => {
  it("explains Bug 1: the body went into an ext_proc stream that failed TLS, fail-open, vLLM got no body", async () => {
    expect(await chat("bug-1", "Hi")).toBe(400);
    await traceOf("bug-1", 2);
    const { code, out } = await testbedTrace("--last");
    expect(code).toBe(0);
    expect(out).toContain("Request bug-1: POST /my-first-model/qwen3-0-6b/v1/chat/completions");
    expect(out).toContain("request body FULL_DUPLEX_STREAMED");
    expect(out).toContain("fail-open (failure_mode_allow: true)");
    expect(out).toMatch(/the stream to the processor FAILED: TLS: certificate signed by unknown authority/);
    expect(out).toMatch(/the request body \(\d+ bytes\) had been MOVED into the stream: 0 bytes are left/);
    expect(out).toContain("request body sent upstream: 0 bytes");
    expect(out).toContain("host chosen by: round robin: nobody named a host");
    expect(out).toMatch(/vLLM \S+ \(decode\): refused with 400: .*Field required/);
    expect(out).toContain("response to the client: 400 (via_upstream)");
    expect(out).toContain("In short: the body went into the ext_proc stream, the stream failed");
  });

  it("after the seed's fixes shows the EPP's scores per pod and the prefill and decode pods", async () => {
    expect((await cluster.oc("apply", "-f", "manifests/08-envoyfilter-fix-extproc-body.yaml")).code).toBe(0);
    const patch = (type: string, body: string) =>
      cluster.oc("patch", "llminferenceservice", "qwen3-0-6b", "-n", "my-first-model", `--type=${type}`, "-p", body);
    expect((await patch("json", readFileSync("manifests/09-scheduler-tls-patch.json", "utf8"))).code).toBe(0);
    const pd = JSON.stringify(parse(readFileSync("manifests/11-pd-config-patch.yaml", "utf8")));
    expect((await patch("merge", pd)).code).toBe(0);
    await eventually(async () => (await chat(`probe-${++probes}`, "warm up")) === 200, { timeoutMs: 30_000 });
    await cluster.testbed.waitUntilReady(30_000);

    const prompt = "Tell me about prefix caching in vLLM and how llm-d routes requests. ".repeat(8);
    expect(await chat("fixed-1", prompt)).toBe(200);
    expect(await chat("fixed-2", prompt)).toBe(200);
    const trace = await traceOf("fixed-2", 4);
    const scheduling = trace.hops.find((hop): hop is SchedulingHop => hop.kind === "scheduling");
    expect(scheduling?.profiles.map((profile) => profile.name)).toEqual(["decode", "prefill"]);
    for (const profile of scheduling?.profiles ?? []) {
      expect(profile.candidates).toHaveLength(4);
      const left = profile.filters.at(-1)?.remaining ?? [];
      expect(left).toHaveLength(2);
      for (const scorer of profile.scorers) expect(Object.keys(scorer.scores).sort()).toEqual([...left].sort());
    }
    const engines = trace.hops.filter((hop): hop is EngineHop => hop.kind === "engine");
    expect(engines.map((hop) => hop.role).sort()).toEqual(["decode", "prefill"]);
    expect(engines.find((hop) => hop.role === "decode")?.pod).toBe(scheduling?.pickedPod);
    expect(engines.find((hop) => hop.role === "prefill")?.pod).toBe(scheduling?.prefillPod);

    const { code, out } = await testbedTrace("fixed-2");
    expect(code).toBe(0);
    expect(out).toContain("ran decode then prefill");
    expect(out).toMatch(/prefix-cache-scorer × weight \d/);
    expect(out).toContain(`decode/serving pod: ${scheduling?.pickedPod}`);
    expect(out).toContain(`prefill pod: ${scheduling?.prefillPod}`);
    expect(out).toContain("host chosen by: override host from envoy.lb metadata");
    expect(out).toMatch(/\(prefill\): \d+ prompt tokens/);
    expect(out).toMatch(/\(decode\): \d+ prompt tokens, \d+ of them from the prefix cache/);
    expect(out).toContain("In short: the EPP scored the pods and picked");
  }, 60_000);

  it("says so when the request id is unknown, and refuses a bad --last", async () => {
    expect((await testbedTrace("no-such-request")).code).toBe(1);
    expect((await testbedTrace("--last", "zero")).code).toBe(2);
  });
});
