// The as-shipped rhoai-3.2 cluster with the seed's HTTP_FILTER EnvoyFilter (Bug 1 fixed, Bug 3 not):
// chats answer 200, round robin over the two prefill and two decode pods, the EPP never reached.
import { fileURLToPath } from "node:url";
import { applyManifests, loadManifests, parseSelector } from "@testbed/apimachinery";
import { startTestbed, storeTarget, type TestbedHandle } from "@testbed/cluster";
import { eventually } from "@testbed/common";
import { gatewayAddress, gatewayUrl, measureRun, runLoad, snapshotPods } from "@testbed/load";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoadCommand } from "../src/commands/load.js";
import { DEFAULT_TOPOLOGY } from "../src/commands/up.js";

const ENVOY_FILTER_FIX = fileURLToPath(
  new URL("../../../manifests/07-envoyfilter-fix-extproc-body-route.yaml", import.meta.url),
);
const NS = "my-first-model";
let testbed: TestbedHandle;

beforeAll(async () => {
  testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    apiPort: 0,
    timeScale: 0,
    subnet: 211,
    probePeriodMs: 100,
  });
  await testbed.waitUntilReady(20_000);
}, 30_000);
afterAll(async () => {
  await testbed?.close();
});

/** The config the openshift-ai-inference gateway runs, read as the seed does (pilot-agent request GET /config_dump). */
async function appliedGatewayConfig(): Promise<string> {
  const selector = parseSelector("gateway.networking.k8s.io/gateway-name=openshift-ai-inference");
  const [pod] = testbed.store.list("Pod", { namespace: "openshift-ingress", selector });
  if (!pod) return "";
  const dump = await testbed.kubelet.exec("openshift-ingress", pod.metadata.name, "istio-proxy", [
    "pilot-agent",
    "request",
    "GET",
    "/config_dump",
  ]);
  return dump.stdout;
}

async function load(argv: string[]) {
  let out = "";
  let err = "";
  const code = await runLoadCommand([`--server=${testbed.api.url}`, ...argv], {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    errIsTty: false,
    env: {},
  });
  return { code, out, err };
}

describe("testbed load against the testbed", () => {
  it("snapshotPods lists the four vLLM pods with their llm-d.ai/role", async () => {
    const snapshot = await snapshotPods(testbed.api.url, NS, "llm-d.ai/role");
    expect(snapshot.unreachable).toEqual({});
    expect(snapshot.pods.map((pod) => pod.role).sort()).toEqual(["decode", "decode", "prefill", "prefill"]);
    expect(snapshot.histograms && Object.keys(snapshot.histograms)).toHaveLength(4);
  });

  it("as shipped, the gateway answers every chat 400 (Bug 1) and no pod serves a request", async () => {
    const run = await load(["--requests", "3", "--output-tokens", "2", "--json"]);
    expect(run.code).toBe(0);
    const { summary, cluster } = JSON.parse(run.out);
    expect(summary.byStatus).toEqual({ "400": 3 });
    expect(summary.errors["400"]).toContain("Field required");
    expect(cluster.pods.reduce((total: number, pod: { requests: number }) => total + pod.requests, 0)).toBe(0);
  });

  it("after the HTTP_ROUTE EnvoyFilter: 200s, round robin over all four pods, EPP not in the loop (Bug 2)", async () => {
    await applyManifests(storeTarget(testbed.store), await loadManifests(ENVOY_FILTER_FIX));
    // Taken effect once the gateway runs the patched route override (body STREAMED).
    await eventually(async () => /"request_body_mode":\s*"STREAMED"/.test(await appliedGatewayConfig()));
    const run = await load([
      "--gateway",
      "openshift-ai-inference",
      "--requests",
      "8",
      "--output-tokens",
      "3",
      "--prefix-tokens",
      "64",
    ]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("Requests:    8 (200: 8)");
    expect(run.out).toContain("Through EPP: 0.0% of responses");
    expect(run.out).toMatch(/^decode\s+4\s+50%$/m);
    expect(run.out).toMatch(/^prefill\s+4\s+50%$/m);
    expect(run.out).toContain("Distribution: decode 50/50, prefill 50/50");
    // Prefix caching is off as shipped: vLLM counts no queries at all.
    expect(run.out).toContain("Prefix-cache hit rate: - (no prefix-cache queries");
    expect(run.out).toContain("E2E   simulated");
  });

  it("measureRun reports per-pod deltas of a library run through the gateway", async () => {
    const url = gatewayUrl(await gatewayAddress(testbed.api.url, "openshift-ai-inference"));
    expect(url).toMatch(/^https:\/\/127\.\d+\.\d+\.\d+(:\d+)?\/my-first-model\/qwen3-0-6b\/v1\/chat\/completions$/);
    let statuses: Record<string, number> = {};
    const cluster = await measureRun(testbed.api.url, async () => {
      statuses = (await runLoad({ url, requests: 4, workload: { type: "random", promptTokens: 20, outputTokens: 2 } }))
        .summary.byStatus;
    });
    expect(statuses).toEqual({ "200": 4 });
    expect(cluster.pods).toHaveLength(4);
    expect(cluster.pods.map((pod) => pod.requests)).toEqual([1, 1, 1, 1]);
    expect(cluster.cacheHitRate).toBeUndefined();
  });
});
