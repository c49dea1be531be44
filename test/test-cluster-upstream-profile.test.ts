import { readFileSync } from "node:fs";
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOc } from "../packages/cli/src/commands/oc/index.js";
import { DEFAULT_TOPOLOGY } from "../packages/cli/src/commands/up.js";

// The same as-shipped topology under Envoy's own per-route rule (`--mesh-profile upstream`): the
// route's override wins, so the gateway talks to the EPP from the start (no Bug 2) — only the
// scheduler's missing --cert-path stands in the way, and its fix alone makes the EPP route.
let testbed: TestbedHandle;
let gateway = "";
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

beforeAll(async () => {
  testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    meshProfile: "upstream",
    apiPort: 0,
    timeScale: 0,
    subnet: 205,
    restartBackoffMs: 100,
    probePeriodMs: 100,
  });
  await testbed.waitUntilReady(20_000);
  gateway = (
    await oc(
      "get",
      "gateway",
      "openshift-ai-inference",
      "-n",
      "openshift-ingress",
      "-o",
      "jsonpath={.status.addresses[0].value}",
    )
  ).out;
}, 30_000);
afterAll(async () => {
  await testbed?.close();
});

async function oc(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await runOc([`--server=${testbed.api.url}`, ...argv], {
    out: (text) => {
      out += text;
    },
    err: () => {},
    readStdin: async () => "",
    env: {},
    now: () => Date.now(),
  });
  return { code, out };
}

async function chat() {
  const response = await request(`https://${gateway}/my-first-model/qwen3-0-6b/v1/chat/completions`, {
    method: "POST",
    dispatcher: insecure,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }),
  });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

async function eppConnectCounters(): Promise<string[]> {
  const pod = (
    await oc(
      "get",
      "pods",
      "-n",
      "openshift-ingress",
      "-l",
      "gateway.networking.k8s.io/gateway-name=openshift-ai-inference",
      "-o",
      "jsonpath={.items[0].metadata.name}",
    )
  ).out;
  const clusters = (
    await oc(
      "exec",
      "-n",
      "openshift-ingress",
      pod,
      "-c",
      "istio-proxy",
      "--",
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    )
  ).out;
  return clusters
    .split("\n")
    .filter((l) => l.startsWith("outbound|9002||") && /::(cx_total|cx_connect_fail)::/.test(l))
    .map((l) => l.split("::").slice(-2).join("="));
}

describe("the as-shipped topology under the upstream mesh profile", () => {
  it("contacts the EPP with no EnvoyFilter; the handshake fails on the self-signed certificate", async () => {
    const response = await chat();
    // The failed full-duplex stream has already taken the body, so vLLM still sees none.
    expect(response.status).toBe(400);
    expect((await eppConnectCounters()).sort()).toEqual(["cx_connect_fail=1", "cx_total=1"]);
  });

  it("routes through the EPP once the scheduler gets --cert-path, still with no EnvoyFilter", async () => {
    const patched = await oc(
      "patch",
      "llminferenceservice",
      "qwen3-0-6b",
      "-n",
      "my-first-model",
      "--type=json",
      "-p",
      readFileSync("manifests/09-scheduler-tls-patch.json", "utf8"),
    );
    expect(patched.code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await testbed.waitUntilReady(30_000);
    expect((await oc("get", "envoyfilter", "fix-extproc-body-mode", "-n", "openshift-ingress")).code).toBe(1);
    for (let i = 0; i < 3; i++) {
      const response = await chat();
      expect(response.status).toBe(200);
      expect(response.headers["x-went-into-resp-headers"]).toBe("true");
    }
  });
});
