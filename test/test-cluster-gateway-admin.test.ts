// The gateway pod's Envoy admin API as the seed reaches it (`oc exec … -c istio-proxy -- pilot-agent
// request GET <path>`) on the as-shipped topology: istiod's config arrives over xDS (dynamic
// resources), the listener's private key is redacted, pilot-agent's stats_matcher trims /stats
// while /clusters still answers the seed's grep, and clients get HTTP/2 by ALPN.
import { connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHAT_PATH, EPP_CLUSTER, type SeedTestbed, startSeedTestbed } from "./seed-testbed.js";

type Json = Record<string, unknown>;

let cluster: SeedTestbed;

beforeAll(async () => {
  cluster = await startSeedTestbed(63, { probePeriodMs: 200 });
}, 30_000);
afterAll(async () => {
  await cluster?.close();
});

const admin = (path: string) => cluster.envoyAdmin("openshift-ai-inference", path);

describe("pilot-agent request GET … on openshift-ai-inference", () => {
  it("/config_dump lists istiod's listeners as dynamic and never prints the Secret's private key", async () => {
    const text = await admin("/config_dump");
    expect(text).not.toContain("PRIVATE KEY");
    const configs = (JSON.parse(text) as { configs: Json[] }).configs;
    const listeners = configs.find((c) => String(c["@type"]).endsWith("ListenersConfigDump")) as Json;
    const [listener] = listeners.dynamic_listeners as Json[];
    expect((listener?.active_state as Json | undefined)?.version_info).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\/\d+$/,
    );
    expect(JSON.stringify(listener)).toContain('"private_key":{"inline_string":"[redacted]"}');
    const bootstrap = (configs[0] as Json).bootstrap as Json;
    expect(bootstrap.node).toMatchObject({ id: expect.stringMatching(/^router~/) });
  });

  it("/stats keeps to Istio's inclusion list, while /clusters answers the seed's grep for the EPP", async () => {
    const stats = await admin("/stats");
    expect(stats).toContain("server.live: 1\n");
    expect(stats).not.toContain("cluster.outbound|");
    const clusters = await admin("/clusters");
    const grep = clusters.split("\n").filter((line) => /epp.*cx_total/.test(line));
    expect(grep.some((line) => line.startsWith(`${EPP_CLUSTER}::`) && line.includes("::cx_total::0"))).toBe(true);
  });

  it("/server_info reports the Envoy of the seed's Istio 1.26.2", async () => {
    const info = JSON.parse(await admin("/server_info")) as Json;
    expect(String(info.version).split("/")[1]).toBe("1.34.0");
  });

  it("an HTTP/2 client gets h2 by ALPN and the gateway's log says HTTP/2, as in the seed", async () => {
    const address = await cluster.gatewayAddress("openshift-ai-inference");
    const session = connect(`https://${address}`, { rejectUnauthorized: false });
    const status = await new Promise<number>((resolve, reject) => {
      session.once("error", reject);
      const stream = session.request({ ":method": "GET", ":path": CHAT_PATH.replace("/chat/completions", "/models") });
      stream.on("response", (headers) => resolve(Number(headers[":status"])));
      stream.on("error", reject);
      stream.resume();
      stream.end();
    });
    expect(session.alpnProtocol).toBe("h2");
    session.close();
    expect(status).toBe(200);
    const pod = await cluster.gatewayPod("openshift-ai-inference");
    const logs = await cluster.oc("logs", "-n", "openshift-ingress", pod, "-c", "istio-proxy", "--tail=5");
    expect(logs.out).toContain('"GET /my-first-model/qwen3-0-6b/v1/models HTTP/2" 200');
  });
});
