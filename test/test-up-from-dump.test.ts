// `testbed up --from`: a customer's must-gather tree and a pasted `oc get -A -o yaml` List become the
// cluster, and the customer's symptom follows from their objects: Bug 1's 400 "Field required" from
// the as-shipped objects on Istio 1.26.2, and — from the list, whose Istio 1.27 selects that profile —
// the seed's first EnvoyFilter fix: 200 with the EPP never contacted (Bug 2).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { topologyFromDump } from "@testbed/cli";
import { afterEach, describe, expect, it } from "vitest";
import { CHAT_PATH, chatBody, eppStat, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

const CASES = fileURLToPath(new URL("./fixtures/customer-cases/", import.meta.url));
let cluster: SeedTestbed | undefined;

afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe("testbed up --from a dump", () => {
  it("from a must-gather: the as-shipped objects answer the chat POST with vLLM's 400 Field required", async () => {
    const imported = await topologyFromDump(join(CASES, "must-gather-bug1"), mkdtempSync(join(tmpdir(), "from-")));
    expect(imported.istio).toBe("1.26");
    expect(imported.summary).toContain("oc adm inspect / must-gather tree");
    cluster = await startSeedTestbed(89, { topology: imported.file, istio: imported.istio });
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
    cluster = await startSeedTestbed(90, { topology: imported.file, istio: imported.istio });
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
