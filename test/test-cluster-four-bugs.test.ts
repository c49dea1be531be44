// The seed's section 4 in order, on the as-shipped topology, with the seed's own manifests and
// patches applied through `testbed oc`: each bug shows its symptom, each fix removes it and
// uncovers the next (states A–E of reference/four-bugs-model.md).
import { readFileSync } from "node:fs";
import { eventually } from "@testbed/common";
import { SEED_PD_CONFIG_TEXT } from "@testbed/epp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CHAT_PATH,
  chatBody,
  eppStat,
  type SeedTestbed,
  send as sendRequest,
  startSeedTestbed,
} from "./seed-testbed.js";

let cluster: SeedTestbed;
let gateway = "";
const NS = "my-first-model";

beforeAll(async () => {
  cluster = await startSeedTestbed(203);
  gateway = await cluster.gatewayAddress("openshift-ai-inference");
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const oc = (...argv: string[]) => cluster.oc(...argv);
const chat = (content: string) => sendRequest(`https://${gateway}${CHAT_PATH}`, { body: chatBody(content) });

/** Send n chats; return their statuses, whether the EPP answered, and the pods that served them (from the access log). */
async function send(n: number, prompt: (i: number) => string) {
  const gatewayPod = await cluster.gatewayPod("openshift-ai-inference");
  const before = (await oc("logs", "-n", "openshift-ingress", gatewayPod, "-c", "istio-proxy")).out
    .trim()
    .split("\n").length;
  const statuses: number[] = [];
  let throughEpp = 0;
  for (let i = 0; i < n; i++) {
    const response = await chat(prompt(i));
    statuses.push(response.status);
    if (response.headers["x-went-into-resp-headers"] === "true") throughEpp++;
  }
  const lines = (await oc("logs", "-n", "openshift-ingress", gatewayPod, "-c", "istio-proxy")).out
    .trim()
    .split("\n")
    .slice(before);
  const perHost = new Map<string, number>();
  for (const line of lines) {
    const host = /"(\d+\.\d+\.\d+\.\d+:\d+)" outbound\|54321\|\|/.exec(line)?.[1];
    if (host) perHost.set(host, (perHost.get(host) ?? 0) + 1);
  }
  return { statuses, throughEpp, perHost };
}

async function eppCounters(): Promise<{ cxTotal: number; cxConnectFail: number; rqTotal: number }> {
  const clusters = await cluster.envoyAdmin("openshift-ai-inference", "/clusters");
  return {
    cxTotal: eppStat(clusters, "cx_total"),
    cxConnectFail: eppStat(clusters, "cx_connect_fail"),
    rqTotal: eppStat(clusters, "rq_total"),
  };
}

async function podMetric(pod: string, metric: string): Promise<number> {
  const text = (await oc("exec", "-n", NS, pod, "--", "curl", "-s", "localhost:8000/metrics")).out;
  return text
    .split("\n")
    .filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `))
    .reduce((total, l) => total + Number(l.split(" ").pop()), 0);
}

const waitReady = () => cluster.testbed.waitUntilReady(30_000);
/** The gateway's live config: an EnvoyFilter has taken effect once it shows there. */
const configDump = () => cluster.envoyAdmin("openshift-ai-inference", "/config_dump");
const schedulerPods = async () =>
  (await oc("get", "pods", "-n", NS, "-l", "app=qwen3-0-6b-kserve-router-scheduler", "-o", "name")).out;
/** Each model pod's name and its main container's env, as one string. */
const modelPodEnv = async () =>
  (
    await oc(
      "get",
      "pods",
      "-n",
      NS,
      "-l",
      "serving.kserve.io/inferenceservice=qwen3-0-6b",
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}: {.spec.containers[0].env}",
    )
  ).out;

describe("the four bugs, in the seed's order", () => {
  it("A, as shipped: chat POST 400 Field required (its body went into the stream to the EPP, whose TLS fails), /v1/models 200", async () => {
    const response = await chat("Hi");
    expect(response.status).toBe(400);
    expect(response.body).toContain("Field required");
    const models = await sendRequest(`https://${gateway}/my-first-model/qwen3-0-6b/v1/models`);
    expect(models.status).toBe(200);
    expect(await eppCounters()).toMatchObject({ cxTotal: 1, cxConnectFail: 1 });
  });

  it("B, the HTTP_ROUTE EnvoyFilter: 200, but round robin over all four pods and the EPP still never contacted", async () => {
    const applied = await oc("apply", "-f", "manifests/07-envoyfilter-fix-extproc-body-route.yaml");
    expect(applied.out).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created\n");
    // Taken effect: the route overrides no longer ask for FULL_DUPLEX_STREAMED, but for STREAMED.
    await eventually(async () => !(await configDump()).includes("FULL_DUPLEX_STREAMED"));
    const { statuses, throughEpp, perHost } = await send(8, (i) => `Question ${i}`);
    expect(statuses).toEqual(Array(8).fill(200));
    expect(throughEpp).toBe(0);
    expect([...perHost.values()]).toEqual([2, 2, 2, 2]);
    // The override lost its grpc_service: every stream went to `dummy`; the EPP's count is still A's one.
    expect(await eppCounters()).toMatchObject({ cxTotal: 1 });
  });

  it("C, the seed's HTTP_FILTER EnvoyFilter: Envoy connects to the EPP and every TLS handshake fails", async () => {
    const applied = await oc("apply", "-f", "manifests/08-envoyfilter-fix-extproc-body.yaml");
    expect(applied.out).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode configured\n");
    const applyTo = await oc("get", "envoyfilter", "fix-extproc-body-mode", "-n", "openshift-ingress", "-o", "yaml");
    // The seed's check 7: every applyTo says HTTP_FILTER (the spec's, and the last-applied annotation's that
    // `oc apply` writes, as on a real cluster).
    const lines = applyTo.out.split("\n").filter((l) => l.includes("applyTo"));
    expect(lines.at(-1)).toBe("  - applyTo: HTTP_FILTER");
    expect(lines.every((l) => l.includes("HTTP_FILTER") && !l.includes("HTTP_ROUTE"))).toBe(true);
    // Taken effect: the filter itself now carries the EnvoyFilter's 30 s message_timeout.
    await eventually(async () => /"message_timeout":\s*"30s"/.test(await configDump()));
    const { statuses, throughEpp } = await send(5, (i) => `Question ${i}`);
    // Istio's own override is back on the route and wins: FULL_DUPLEX_STREAMED again, the bodies lost again.
    expect(statuses).toEqual(Array(5).fill(400));
    expect(throughEpp).toBe(0);
    // The seed's 5 and 5, plus A's connection.
    expect(await eppCounters()).toEqual({ cxTotal: 6, cxConnectFail: 6, rqTotal: 6 });
  });

  it("D, the scheduler TLS patch: the scheduler pod rolls, the handshake succeeds, the EPP is in the loop", async () => {
    const before = await schedulerPods();
    const patched = await oc(
      "patch",
      "llminferenceservice",
      "qwen3-0-6b",
      "-n",
      NS,
      "--type=json",
      "-p",
      readFileSync("manifests/09-scheduler-tls-patch.json", "utf8"),
    );
    expect(patched.out).toBe("llminferenceservice.serving.kserve.io/qwen3-0-6b patched\n");
    await eventually(async () => (await schedulerPods()) !== before);
    await waitReady();
    const after = await schedulerPods();
    expect(after).not.toBe(before);
    const args = JSON.parse(
      (
        await oc(
          "get",
          "pods",
          "-n",
          NS,
          "-l",
          "app=qwen3-0-6b-kserve-router-scheduler",
          "-o",
          "jsonpath={.items[0].spec.containers[0].args}",
        )
      ).out,
    ) as string[];
    expect(args.slice(-3)).toEqual(["--secure-serving", "--cert-path", "/var/run/kserve/tls"]);
    const { statuses, throughEpp, perHost } = await send(
      12,
      (i) => `A different question, number ${i}, about ${"x".repeat(i * 7)}`,
    );
    expect(statuses).toEqual(Array(12).fill(200));
    expect(throughEpp).toBe(12);
    expect(perHost.size).toBeGreaterThanOrEqual(2);
    const counters = await eppCounters();
    expect(counters.cxConnectFail).toBe(0); // the new scheduler pod's host: no failed handshakes
    expect(counters.rqTotal).toBeGreaterThanOrEqual(12);
  });

  it("E, the P/D EndpointPickerConfig and prefix caching: every request prefills remotely, decode sticks to the warm pod", async () => {
    const isvc = JSON.parse((await oc("get", "llminferenceservice", "qwen3-0-6b", "-n", NS, "-o", "json")).out);
    const args = isvc.spec.router.scheduler.template.containers[0].args as string[];
    const configIndex = args.indexOf("--config-text") + 1;
    const vllmArgs = "--max-model-len 8192 --gpu-memory-utilization 0.9 --enable-prefix-caching --block-size=16";
    const patch = [
      {
        op: "replace",
        path: `/spec/router/scheduler/template/containers/0/args/${configIndex}`,
        value: SEED_PD_CONFIG_TEXT,
      },
      { op: "replace", path: "/spec/template/containers/0/env/0/value", value: vllmArgs },
      { op: "replace", path: "/spec/prefill/template/containers/0/env/0/value", value: vllmArgs },
    ];
    const patched = await oc(
      "patch",
      "llminferenceservice",
      "qwen3-0-6b",
      "-n",
      NS,
      "--type=json",
      "-p",
      JSON.stringify(patch),
    );
    expect(patched.code).toBe(0);
    // The rollout has started once a pod carries the new vLLM flags; then wait for all of it.
    await eventually(async () => (await modelPodEnv()).includes("enable-prefix-caching"));
    await waitReady();
    const env = await modelPodEnv();
    expect(env.match(/enable-prefix-caching/g)).toHaveLength(4);

    const system = "You are a helpful assistant for the testbed workshop. ".repeat(40);
    const { statuses, throughEpp, perHost } = await send(20, (i) => `${system} Question ${i}?`);
    expect(statuses).toEqual(Array(20).fill(200));
    expect(throughEpp).toBe(20);
    const decodeCounts = [...perHost.values()].sort((a, b) => b - a);
    expect(decodeCounts[0]).toBeGreaterThanOrEqual(18); // the warm decode pod takes (nearly) everything

    const prefillPods = (
      await oc("get", "pods", "-n", NS, "-l", "llm-d.ai/role=prefill", "-o", "jsonpath={.items[*].metadata.name}")
    ).out.split(" ");
    let prefilled = 0;
    for (const pod of prefillPods) prefilled += await podMetric(pod, "vllm:request_success_total");
    expect(prefilled).toBe(20); // every request passed a prefill pod
    let hits = 0;
    let queries = 0;
    for (const pod of prefillPods) {
      hits += await podMetric(pod, "vllm:prefix_cache_hits_total");
      queries += await podMetric(pod, "vllm:prefix_cache_queries_total");
    }
    expect(queries).toBeGreaterThan(0);
    expect(hits / queries).toBeGreaterThan(0.5);
  });
});
