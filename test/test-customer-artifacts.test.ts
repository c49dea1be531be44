// What customers send, replayed: `testbed up --from` a must-gather tree and a pasted `oc get -A -o yaml`
// List — the symptom follows from their objects: Bug 1's 400 "Field required" from the as-shipped
// objects on Istio 1.26.2, and, from the list whose Istio 1.27 selects that profile, the seed's first
// EnvoyFilter fix (200, the EPP never contacted: Bug 2) — and `testbed gateway --config-dump`, the
// customer's own gateway config run against a testbed's pods (Bug 1 again). One subnet, so one file.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { topologyFromDump } from "@testbed/cli";
import { bootstrapFromConfigDump, endpointsOfConfigDump, type GatewayHandle, startGateway } from "@testbed/gateway";
import { loadScenario, runScenario } from "@testbed/scenario";
import { afterEach, describe, expect, it } from "vitest";
import { runTestbed } from "../packages/cli/test/command-runs.js";
import { CHAT_PATH, chatBody, EPP_CLUSTER, eppStat, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

const CASES = fileURLToPath(new URL("./fixtures/customer-cases/", import.meta.url));
const SUBNET = 90;
let cluster: SeedTestbed | undefined;
let gateway: GatewayHandle | undefined;

afterEach(async () => {
  await gateway?.close();
  await cluster?.close();
  gateway = undefined;
  cluster = undefined;
});

describe("testbed up --from a dump", () => {
  it("from a must-gather: the as-shipped objects answer the chat POST with vLLM's 400 Field required", async () => {
    const imported = await topologyFromDump(join(CASES, "must-gather-bug1"), mkdtempSync(join(tmpdir(), "from-")));
    expect(imported.istio).toBe("1.26");
    expect(imported.summary).toContain("oc adm inspect / must-gather tree");
    cluster = await startSeedTestbed(SUBNET, { topology: imported.file, istio: imported.istio });
    const gateway = await cluster.gatewayAddress("openshift-ai-inference");
    const models = await send(`https://${gateway}/my-first-model/qwen3-0-6b/v1/models`);
    expect(models.status).toBe(200);
    const chat = await send(`https://${gateway}${CHAT_PATH}`, { body: chatBody() });
    expect(chat.status).toBe(400);
    expect(chat.body).toContain("Field required");
    // KServe made the children the dump's copies were dropped for.
    const routes = await cluster.oc(
      "get",
      "httproute,inferencepool,destinationrule",
      "-n",
      "my-first-model",
      "-o",
      "name",
    );
    expect(routes.out).toContain("httproute.gateway.networking.k8s.io/qwen3-0-6b-kserve-route");
  }, 60_000);

  it("from an oc get -A -o yaml List: Istio 1.27 selected, the HTTP_ROUTE EnvoyFilter gives 200 and no EPP connection", async () => {
    const imported = await topologyFromDump(
      join(CASES, "oc-get-list", "oc-get-all.yaml"),
      mkdtempSync(join(tmpdir(), "from-")),
    );
    expect(imported.istio).toBe("1.27");
    expect(imported.summary).toMatch(
      /redacted Secret values replaced by generated test keys[^\n]*\n {2}my-first-model\/hf-token: HF_TOKEN/,
    );
    cluster = await startSeedTestbed(SUBNET, { topology: imported.file, istio: imported.istio });
    const gateway = await cluster.gatewayAddress("openshift-ai-inference");
    const chat = await send(`https://${gateway}${CHAT_PATH}`, { body: chatBody() });
    expect(chat.status).toBe(200);
    const clusters = await cluster.envoyAdmin("openshift-ai-inference", "clusters");
    expect(eppStat(clusters, "cx_total")).toBe(0);
    const token = await cluster.oc(
      "get",
      "secret",
      "hf-token",
      "-n",
      "my-first-model",
      "-o",
      "jsonpath={.data.HF_TOKEN}",
    );
    expect(Buffer.from(token.out, "base64").toString()).toMatch(/^testbed-[0-9a-f]{32}$/);
  }, 60_000);
});

describe("a case folder's scenario with from:", () => {
  it("starts from the must-gather beside it, on the dump's Istio release, and its expectations hold", async () => {
    const scenario = loadScenario(join(CASES, "from-must-gather", "scenario.yaml"));
    expect(scenario.istio).toBe("1.26");
    expect(scenario.topology).toHaveLength(1);
    const report = await runScenario(scenario, { subnet: SUBNET });
    const failed = report.steps.flatMap((step) => [
      ...(step.error ? [`${step.title}: ${step.error}`] : []),
      ...step.expectations.filter((e) => !e.ok).map((e) => `${step.title}: ${e.check}: ${e.measured}`),
    ]);
    expect(failed).toEqual([]);
    expect(report.steps.flatMap((step) => step.expectations)).toHaveLength(4);
  }, 60_000);
});

describe("testbed up --from, as a user runs it", () => {
  const LIST = join(CASES, "oc-get-list", "oc-get-all.yaml");
  const up = (home: string, ...flags: string[]) =>
    runTestbed(
      ["up", "--from", LIST, "--no-wait", "--api-port", "0", "--subnet", String(SUBNET), "--time-scale", "0", ...flags],
      { env: { TESTBED_HOME: home }, readyWhen: /testbed is up in/ },
    );

  it("prints what it imported, dropped and does not model, and runs the dump's Istio release", async () => {
    const home = mkdtempSync(join(tmpdir(), "up-from-"));
    const run = await up(home);
    expect(run.stderr).toContain(`imported 8 objects from ${LIST} (file, 1 files):`);
    expect(run.stderr).toContain("1 Pod: owned by ReplicaSet");
    expect(run.stderr).toContain("not modelled by the testbed (left out): 1\n  1 monitoring.coreos.com/PrometheusRule");
    expect(run.stderr).toContain("versions found: Istio v1.27.3 (Istio default spec.version)");
    expect(existsSync(join(home, "imported", "oc-get-all.yaml"))).toBe(true);
    expect(run.stdout).toMatch(/Istio 1\.27\.0–1\.27\.9 \(upstream\) \(Envoy 1\.35\)/);
  }, 30_000);

  it("keeps --istio over the dump's release", async () => {
    const run = await up(mkdtempSync(join(tmpdir(), "up-from-")), "--istio", "1.26");
    expect(run.stdout).toMatch(/Istio 1\.26\.2-redhat \(OCP 4\.20\) \(Envoy 1\.34\)/);
  }, 30_000);

  it("says so when the dump holds nothing the testbed models", async () => {
    const run = await runTestbed(["up", "--from", join(CASES, "config-dump-bug1"), "--api-port", "0"], {
      env: { TESTBED_HOME: mkdtempSync(join(tmpdir(), "up-from-")) },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/testbed up: --from .*: nothing the testbed models was found \(1 files read\)/);
  }, 30_000);
});

describe("testbed gateway --config-dump on a testbed's pods", () => {
  it("runs the customer's gateway config: the chat POST loses its body in ext_proc and vLLM answers 400", async () => {
    cluster = await startSeedTestbed(SUBNET);
    // What --testbed reads: the testbed gateway's own dump names the same clusters as the customer's.
    const local = endpointsOfConfigDump(JSON.parse(await cluster.envoyAdmin("openshift-ai-inference", "config_dump")));
    expect(local.clusterMap[EPP_CLUSTER]).toHaveLength(1);
    const customer = JSON.parse(readFileSync(join(CASES, "config-dump-bug1", "config_dump.json"), "utf8"));
    const { bootstrap, unsupported } = await bootstrapFromConfigDump(customer, {
      clusterMap: {},
      testbedEndpoints: local.clusterMap,
      listenHost: "127.0.0.1",
      freePorts: true,
      ...(local.trustedCa ? { trustedCa: local.trustedCa } : {}),
    });
    expect(unsupported).toEqual([
      "cluster sds-grpc: a unix socket (pipe) address, left out",
      "cluster xds-grpc: a unix socket (pipe) address, left out",
    ]);
    gateway = await startGateway(bootstrap, { envoyVersion: "1.34", accessLogSink: () => {}, log: () => {} });
    const https = gateway.listenerUrls["0.0.0.0_443"];
    const models = await send(`${https}/my-first-model/qwen3-0-6b/v1/models`);
    expect(models.status).toBe(200);
    const chat = await send(`${https}${CHAT_PATH}`, { body: chatBody() });
    expect(chat.status).toBe(400);
    expect(chat.body).toContain("Field required");
    const admin = await send(`${gateway.adminUrl}/clusters`);
    expect(eppStat(admin.body, "cx_connect_fail")).toBe(1);
  }, 60_000);
});
