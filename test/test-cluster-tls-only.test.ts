// The as-shipped topology on the seed's own versions (Istio 1.26, Envoy 1.34): Envoy lets the route's
// ext_proc override win, so the gateway talks to the EPP from the start — only the scheduler's
// missing --cert-path stands in the way, and its fix alone (no EnvoyFilter) makes the EPP route.
import { readFileSync } from "node:fs";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAT_PATH, chatBody, eppStat, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let gateway = "";

beforeAll(async () => {
  cluster = await startSeedTestbed(205, { istio: "1.26" });
  gateway = await cluster.gatewayAddress("openshift-ai-inference");
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const oc = (...argv: string[]) => cluster.oc(...argv);
const chat = () => send(`https://${gateway}${CHAT_PATH}`, { body: chatBody() });

async function eppConnectCounters(): Promise<string[]> {
  const clusters = await cluster.envoyAdmin("openshift-ai-inference", "/clusters");
  return [`cx_connect_fail=${eppStat(clusters, "cx_connect_fail")}`, `cx_total=${eppStat(clusters, "cx_total")}`];
}

describe("the as-shipped topology on Istio 1.26: the TLS patch alone fixes Bugs 1–3", () => {
  it("contacts the EPP with no EnvoyFilter; the handshake fails on the self-signed certificate", async () => {
    const response = await chat();
    // The failed full-duplex stream has already taken the body, so vLLM still sees none.
    expect(response.status).toBe(400);
    expect((await eppConnectCounters()).sort()).toEqual(["cx_connect_fail=1", "cx_total=1"]);
  });

  it("routes through the EPP once the scheduler gets --cert-path, still with no EnvoyFilter", async () => {
    const schedulerPods = async () =>
      (await oc("get", "pods", "-n", "my-first-model", "-l", "app=qwen3-0-6b-kserve-router-scheduler", "-o", "name"))
        .out;
    const before = await schedulerPods();
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
    // The controllers start the scheduler's rollout; then the cluster is ready once it is done.
    await eventually(async () => (await schedulerPods()) !== before);
    await cluster.testbed.waitUntilReady(30_000);
    expect((await oc("get", "envoyfilter", "fix-extproc-body-mode", "-n", "openshift-ingress")).code).toBe(1);
    for (let i = 0; i < 3; i++) {
      const response = await chat();
      expect(response.status).toBe(200);
      expect(response.headers["x-went-into-resp-headers"]).toBe("true");
    }
  });
});
