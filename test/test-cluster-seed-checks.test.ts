// The seed's section 5 checks, run with `oc` → `testbed oc` against the rhoai-3.2 topology as
// shipped: everything is up, and Bug 1 is there (chat POST 400 "Field required", /v1/models 200).
// The check commands stay as the seed writes them (hence some repetition).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;

beforeAll(async () => {
  cluster = await startSeedTestbed(201, { probePeriodMs: 200 });
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const oc = (...argv: string[]) => cluster.oc(...argv);

const rows = (table: string) => table.trim().split("\n").slice(1);

const curl = (method: "GET" | "POST", url: string, body?: string) => send(url, { method, ...(body ? { body } : {}) });

const CHAT = JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 });

describe("the seed's checks against the as-shipped topology", () => {
  it("the three gateway pods are 1/1 Running (check 1)", async () => {
    const { code, out } = await oc("get", "pods", "-A", "-l", "gateway.networking.k8s.io/gateway-name");
    expect(code).toBe(0);
    const lines = rows(out);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^openshift-ingress\s+\S+\s+1\/1\s+Running\s+0\s+/);
  });

  it("every Gateway has an address (check 2)", async () => {
    const { out } = await oc("get", "gateway", "-A");
    const lines = rows(out);
    expect(lines.map((l) => l.split(/\s+/)[1]).sort()).toEqual([
      "data-science-gateway",
      "maas-gateway",
      "openshift-ai-inference",
    ]);
    for (const line of lines) expect(line).toMatch(/\s127\.\d+\.201\.\d+(:\d+)?\s+True\s/);
  });

  it("routes are attached and Accepted (check 3)", async () => {
    const { out } = await oc(
      "get",
      "httproute",
      "-A",
      "-o",
      'jsonpath={range .items[*]}{.metadata.name}={.status.parents[*].conditions[?(@.type=="Accepted")].status}{"\\n"}{end}',
    );
    expect(out.trim().split("\n").sort()).toEqual(["maas-model-route=True", "qwen3-0-6b-kserve-route=True"]);
  });

  it("the InferencePool exists and is Accepted (check 4)", async () => {
    const { out } = await oc("get", "inferencepool.inference.networking.x-k8s.io", "-A");
    expect(out).toMatch(/my-first-model\s+qwen3-0-6b-inference-pool/);
    const accepted = await oc(
      "get",
      "inferencepool",
      "qwen3-0-6b-inference-pool",
      "-n",
      "my-first-model",
      "-o",
      'jsonpath={.status.parent[0].conditions[?(@.type=="Accepted")].status}',
    );
    expect(accepted.out).toBe("True");
  });

  it("the EPP runs and logs its ext-proc listener (check 5)", async () => {
    const pods = await oc("get", "pods", "-n", "my-first-model");
    expect(pods.out.split("\n").find((l) => l.includes("scheduler"))).toMatch(/1\/1\s+Running/);
    const logs = await oc("logs", "-n", "my-first-model", "deploy/qwen3-0-6b-kserve-router-scheduler", "--tail=20");
    expect(logs.code).toBe(0);
    // zap's console encoder separates the message from its fields with a tab.
    expect(logs.out).toMatch(/gRPC server listening\s\{"name": "ext-proc", "port": 9002\}/);
  });

  it("two prefill and two decode vLLM pods run (check 6)", async () => {
    const { out } = await oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "serving.kserve.io/inferenceservice=qwen3-0-6b",
    );
    const lines = rows(out);
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/\s(1\/1|2\/2)\s+Running\s/);
    const roles = await oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "llm-d.ai/role",
      "-o",
      "jsonpath={.items[*].metadata.labels.llm-d\\.ai/role}",
    );
    expect(roles.out.split(" ").sort()).toEqual(["decode", "decode", "prefill", "prefill"]);
  });

  it("no body-mode EnvoyFilter yet, only Kuadrant's for maas-gateway (check 7)", async () => {
    const { out } = await oc("get", "envoyfilter", "-n", "openshift-ingress");
    expect(out).not.toContain("fix-extproc-body-mode");
    expect(out).toContain("kuadrant-maas-gateway");
  });

  it("Envoy has never connected to the EPP, cx_total 0 (check 8)", async () => {
    const pod = await oc(
      "get",
      "pods",
      "-n",
      "openshift-ingress",
      "-l",
      "gateway.networking.k8s.io/gateway-name=openshift-ai-inference",
      "-o",
      "jsonpath={.items[0].metadata.name}",
    );
    const clusters = await oc(
      "exec",
      "-n",
      "openshift-ingress",
      pod.out,
      "-c",
      "istio-proxy",
      "--",
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    );
    expect(clusters.code).toBe(0);
    const epp = clusters.out.split("\n").filter((l) => /epp-service.*cx_total/.test(l));
    expect(epp.length).toBeGreaterThan(0);
    for (const line of epp) expect(line).toMatch(/::cx_total::0$/);
  });

  it("the scheduler runs with --secure-serving but no --cert-path, and a single default profile (checks 9 and 10)", async () => {
    const { out } = await oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "app=qwen3-0-6b-kserve-router-scheduler",
      "-o",
      "jsonpath={.items[0].spec.containers[0].args}",
    );
    const args = JSON.parse(out) as string[]; // what `| python3 -m json.tool` parses
    expect(args).toContain("--secure-serving");
    expect(args).not.toContain("--cert-path");
    const config = args[args.indexOf("--config-text") + 1] ?? "";
    expect(config).toContain("name: default");
    expect(config).not.toContain("pd-profile-handler");
  });

  it("prefix caching is off in VLLM_ADDITIONAL_ARGS (check 11)", async () => {
    const { out } = await oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "serving.kserve.io/inferenceservice=qwen3-0-6b",
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}: {.spec.containers[0].env}",
    );
    expect(out).toContain("VLLM_ADDITIONAL_ARGS");
    expect(out).not.toContain("enable-prefix-caching");
  });

  it("vLLM's /metrics answers inside the pod (check 12)", async () => {
    const pod = await oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "serving.kserve.io/inferenceservice=qwen3-0-6b",
      "-o",
      "jsonpath={.items[0].metadata.name}",
    );
    const metrics = await oc("exec", "-n", "my-first-model", pod.out, "--", "curl", "-s", "localhost:8000/metrics");
    expect(metrics.code).toBe(0);
    expect(
      metrics.out
        .split("\n")
        .filter((l) => l.includes("prefix_cache"))
        .join("\n"),
    ).toContain("vllm:prefix_cache_hits_total");
  });

  it("/v1/models works and a chat POST gets Bug 1's 400 Field required, in the response and the access log (check 13)", async () => {
    const gw = await oc(
      "get",
      "gateway",
      "openshift-ai-inference",
      "-n",
      "openshift-ingress",
      "-o",
      "jsonpath={.status.addresses[0].value}",
    );
    const models = await curl("GET", `https://${gw.out}/my-first-model/qwen3-0-6b/v1/models`);
    expect(models.status).toBe(200);
    expect(JSON.parse(models.body).data[0].id).toBe("Qwen/Qwen3-0.6B");
    const chat = await curl("POST", `https://${gw.out}/my-first-model/qwen3-0-6b/v1/chat/completions`, CHAT);
    expect(chat.status).toBe(400);
    expect(chat.body).toContain("Field required");
    expect(chat.headers["x-went-into-resp-headers"]).toBeUndefined();

    const pod = await oc(
      "get",
      "pods",
      "-n",
      "openshift-ingress",
      "-l",
      "gateway.networking.k8s.io/gateway-name=openshift-ai-inference",
      "-o",
      "jsonpath={.items[0].metadata.name}",
    );
    const log = await oc("logs", "-n", "openshift-ingress", pod.out, "-c", "istio-proxy", "--tail=5");
    const lines = log.out.trim().split("\n");
    const modelsLine = lines.find((l) => l.includes('"GET /my-first-model/qwen3-0-6b/v1/models'));
    const chatLine = lines.find((l) => l.includes('"POST /my-first-model/qwen3-0-6b/v1/chat/completions'));
    expect(modelsLine).toMatch(/ 200 - via_upstream /);
    expect(modelsLine).toContain("outbound|8000||qwen3-0-6b-kserve-workload-svc.my-first-model.svc.cluster.local");
    expect(chatLine).toMatch(/ 400 - via_upstream /);
    expect(chatLine).toContain(
      "outbound|54321||qwen3-0-6b-inference-pool-ip-a5e07bf3.my-first-model.svc.cluster.local",
    );
  });

  it("the testbed binary answers the seed's jsonpath command verbatim", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        "packages/cli/bin/testbed.mjs",
        "oc",
        "get",
        "gateway",
        "openshift-ai-inference",
        "-n",
        "openshift-ingress",
        "-o",
        "jsonpath={.status.addresses[0].value}",
      ],
      { env: { ...process.env, TESTBED_SERVER: cluster.testbed.api.url } },
    );
    expect(stdout).toMatch(/^127\.\d+\.201\.\d+(:8443)?$/);
  });
});
