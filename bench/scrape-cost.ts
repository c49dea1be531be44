// CPU per metrics scrape, each end in its own process so each end's share is read apart: the EPP's
// scraper fetching an idle vllm-sim pod's /metrics over TLS (a prefill pod), and the same through
// llm-d's routing sidecar (a decode pod: EPP → sidecar → vLLM), beside Node's floor for the same
// bytes: a bare node:https server answering them from a Buffer to a bare node:https client, and a
// bare node:https proxy in front of it. Back to back, the figures depend little on the machine's
// load; one scrape every 50 ms (the EPP's interval) wakes idle processes for each scrape, as in an
// idle topology, whose idle cost is about that figure × 20 scrapes/s × pods.
// BENCH_BASE_ROOT=/other/checkout measures that checkout's pod too, in turn with this one.
import { mkdirSync, writeFileSync } from "node:fs";
import { Agent, get as httpsGet } from "node:https";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate, systemClock } from "@testbed/common";
import type { Endpoint } from "../packages/epp/src/datastore/endpoint.js";
import { MetricsScraper } from "../packages/epp/src/datastore/metrics-scraper.js";
import { type ChildServer, startChildServer } from "./child-server.js";

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 3000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Seconds of each measurement at the EPP's 50 ms interval (0: none). */
const PACED_S = Number(process.env.BENCH_PACED_S ?? 10);

const dir = join(tmpdir(), `scrape-cost-${process.pid}`);
mkdirSync(dir, { recursive: true });
const pair = await createSelfSignedCertificate({ name: "CN=scrape-cost", ipAddresses: ["127.0.0.1"] });
const files = { CERT_FILE: join(dir, "tls.crt"), KEY_FILE: join(dir, "tls.key") };
writeFileSync(files.CERT_FILE, pair.cert);
writeFileSync(files.KEY_FILE, pair.key);

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A client that scrapes `url` once per call and resolves with the body's length. */
type Scrape = () => Promise<number>;

/** The EPP's own scraper (undici, TLS without verification, the lean gauge reader), on one endpoint. */
function eppScraper(url: string): { scrape: Scrape; close(): Promise<void> } {
  const { hostname, port } = new URL(url);
  const scraper = new MetricsScraper({
    intervalMs: 3_600_000,
    port: 0,
    path: "/metrics",
    scheme: "https",
    clock: systemClock,
  });
  scraper.watch({ namespacedName: "bench/pod", address: hostname, port: Number(port) } as Endpoint, () => {});
  return { scrape: async () => ((await scraper.settle()) ? 1 : 0), close: () => scraper.close() };
}

/** A bare node:https client on a keep-alive connection, reading the body into Buffers. */
function bareClient(url: string): { scrape: Scrape; close(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false, maxSockets: 1 });
  const scrape = () =>
    new Promise<number>((resolve, reject) => {
      httpsGet(`${url}/metrics`, { agent }, (res) => {
        let length = 0;
        res.on("data", (chunk: Buffer) => {
          length += chunk.length;
        });
        res.on("end", () => resolve(length));
      }).on("error", reject);
    });
  return {
    scrape,
    close: async () => agent.destroy(),
  };
}

/**
 * CPU µs per scrape of the client (this process) and of each server process: `SCRAPES` scrapes back
 * to back, or with `pacedMs` set, scrapes `pacedMs` apart for `PACED_S` seconds, as the EPP arms its
 * next scrape 50 ms after the last one ended (each then wakes idle processes, as in a topology).
 */
async function measure(client: { scrape: Scrape }, servers: ChildServer[], pacedMs = 0) {
  for (let i = 0; i < 300; i++) await client.scrape(); // warm-up: JIT, TLS session, pools
  const serverStart = servers.map((server) => server.cpuSeconds());
  const clientStart = cpuMicros();
  let scrapes = 0;
  if (pacedMs === 0) {
    for (; scrapes < SCRAPES; scrapes++) await client.scrape();
  } else {
    const end = Date.now() + PACED_S * 1000;
    for (; Date.now() < end; scrapes++) {
      await client.scrape();
      await new Promise((resolve) => setTimeout(resolve, pacedMs));
    }
  }
  const clientMicros = (cpuMicros() - clientStart) / scrapes;
  const serverMicros = servers.map((server, i) => ((server.cpuSeconds() - (serverStart[i] ?? 0)) * 1e6) / scrapes);
  return { client: clientMicros, servers: serverMicros };
}

/** One checkout's vLLM pod and routing sidecar, each in its own process. */
async function startPod(root: string | undefined) {
  const env = root ? { ...files, TARGET_ROOT: root } : files;
  const vllm = await startChildServer("scrape-target-server.ts", { ...env, TARGET: "vllm" });
  const sidecar = await startChildServer("scrape-target-server.ts", { ...env, TARGET: "sidecar", UPSTREAM: vllm.url });
  return { vllm, sidecar };
}

// BENCH_BASE_ROOT=/path/to/checkout: that checkout's pod too, measured in turn with this one.
const BASE = process.env.BENCH_BASE_ROOT;
const pods = [{ name: "this checkout", ...(await startPod(undefined)) }];
if (BASE) pods.unshift({ name: `base ${BASE}`, ...(await startPod(BASE)) });
// The floor serves exactly what the pod serves.
const sample = await new Promise<{ body: Buffer; contentType: string }>((resolve, reject) => {
  httpsGet(`${pods[0]?.vllm.url}/metrics`, { rejectUnauthorized: false }, (res) => {
    const chunks: Buffer[] = [];
    res.on("data", (chunk: Buffer) => chunks.push(chunk));
    res.on("end", () => resolve({ body: Buffer.concat(chunks), contentType: String(res.headers["content-type"]) }));
  }).on("error", reject);
});
const bodyFile = join(dir, "metrics.txt");
writeFileSync(bodyFile, sample.body);
const bare = await startChildServer("scrape-target-server.ts", {
  ...files,
  TARGET: "bare",
  BODY_FILE: bodyFile,
  CONTENT_TYPE: sample.contentType,
});
const bareProxy = await startChildServer("scrape-target-server.ts", {
  ...files,
  TARGET: "bare-proxy",
  UPSTREAM: bare.url,
});

const fmt = (micros: number) => `${micros.toFixed(0)} µs`;
// 64 pods as topologies/large runs them: half prefill (direct), half decode (through the sidecar), 20 scrapes/s each.
const share64 = (direct: number, proxied: number) => `${(((32 * direct + 32 * proxied) * 20) / 1e4).toFixed(1)}%`;
console.log(`${sample.body.length} bytes of /metrics; CPU per scrape (${SCRAPES} scrapes per figure back to back)`);
// Rounds back to back (the figure that least depends on the load), then one round at the EPP's pace.
const rounds = [...Array.from({ length: ROUNDS }, () => 0), ...(PACED_S > 0 ? [50] : [])];
for (const [index, pacedMs] of rounds.entries()) {
  const round = index + 1;
  console.log(
    pacedMs ? `round ${round}: one scrape every ${pacedMs} ms for ${PACED_S} s` : `round ${round}: back to back`,
  );
  for (const pod of pods) {
    const loadBefore = loadavg()[0] as number;
    const direct = eppScraper(pod.vllm.url);
    const directCost = await measure(direct, [pod.vllm], pacedMs);
    await direct.close();
    const proxied = eppScraper(pod.sidecar.url);
    const proxiedCost = await measure(proxied, [pod.sidecar, pod.vllm], pacedMs);
    await proxied.close();
    const [vllmDirect] = directCost.servers as [number];
    const [sidecarLeg, vllmBehind] = proxiedCost.servers as [number, number];
    const directTotal = directCost.client + vllmDirect;
    const proxiedTotal = proxiedCost.client + sidecarLeg + vllmBehind;
    console.log(`  ${pod.name} (load average ${loadBefore.toFixed(2)} → ${(loadavg()[0] as number).toFixed(2)})`);
    console.log(
      `    direct over TLS: EPP scraper ${fmt(directCost.client)} + vLLM ${fmt(vllmDirect)} = ${fmt(directTotal)}`,
    );
    console.log(
      `    via sidecar:     EPP scraper ${fmt(proxiedCost.client)} + sidecar ${fmt(sidecarLeg)} + vLLM ${fmt(vllmBehind)} = ${fmt(proxiedTotal)}`,
    );
    console.log(`    64 pods at 20 scrapes/s: ${share64(directTotal, proxiedTotal)} of a core (target 10%)`);
  }
  const loadBefore = loadavg()[0] as number;
  const floorClient = bareClient(bare.url);
  const floorCost = await measure(floorClient, [bare], pacedMs);
  await floorClient.close();
  const floorProxied = bareClient(bareProxy.url);
  const floorProxyCost = await measure(floorProxied, [bareProxy, bare], pacedMs);
  await floorProxied.close();
  const [bareServer] = floorCost.servers as [number];
  const [bareProxyLeg, bareBehind] = floorProxyCost.servers as [number, number];
  const floorTotal = floorCost.client + bareServer;
  const floorProxyTotal = floorProxyCost.client + bareProxyLeg + bareBehind;
  console.log(
    `  Node's floor, the same bytes (load average ${loadBefore.toFixed(2)} → ${(loadavg()[0] as number).toFixed(2)})`,
  );
  console.log(
    `    node:https client ${fmt(floorCost.client)} + node:https server ${fmt(bareServer)} = ${fmt(floorTotal)}`,
  );
  console.log(
    `    through a bare node:https proxy: client ${fmt(floorProxyCost.client)} + proxy ${fmt(bareProxyLeg)} + server ${fmt(bareBehind)} = ${fmt(floorProxyTotal)}`,
  );
  console.log(`    64 pods at 20 scrapes/s: ${share64(floorTotal, floorProxyTotal)} of a core`);
}
await Promise.all([...pods.flatMap((pod) => [pod.vllm, pod.sidecar]), bare, bareProxy].map((server) => server.stop()));
