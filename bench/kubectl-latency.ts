// What a participant with their own kubectl waits for: the real kubectl v1.33's `get pods -A` against
// a running testbed (the kubeconfig `testbed up` writes: HTTPS, bearer token, discovery cached after
// the first call), beside two floors measured in the same run — `kubectl version --client` (kubectl
// itself, no server) and the same `get pods -A` against a static HTTPS server that replays the
// testbed's recorded answers byte for byte (kubectl and TLS, no API server work). Median of
// BENCH_RUNS (default 9); BENCH_SUBNET picks the pods' subnet (default 85).
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeconfigText } from "@testbed/apimachinery";
import { startTestbed } from "@testbed/cluster";
import { CertificateAuthority } from "@testbed/common";
import { DEFAULT_TOPOLOGY } from "../packages/cli/src/commands/up.js";
import { realClientPath } from "../test/real-clients.js";
import { median } from "./process-stats.js";

const RUNS = Math.max(3, Number(process.env.BENCH_RUNS ?? 9));
const SUBNET = Number(process.env.BENCH_SUBNET ?? 85);
const KUBECTL = realClientPath("kubectl");
const TOKEN = "bench-kubectl-token";

interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One kubectl call to completion; its wall time. A failing call stops the benchmark. */
function timeKubectl(kubeconfig: string, cache: string, args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      KUBECTL,
      args,
      { env: { PATH: process.env.PATH, HOME: cache, KUBECONFIG: kubeconfig, KUBECACHEDIR: cache } },
      (error, _stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(" ")}: ${stderr}`));
        else resolve(performance.now() - started);
      },
    );
  });
}

interface Call {
  kubeconfig: string;
  cache: string;
  args: string[];
}

/**
 * The median of each call, the calls taken in turn within each round so that the load of a shared
 * machine falls on all of them alike; a first round warms up (discovery cached, as from a
 * participant's second call on).
 */
async function interleavedMedians(calls: Call[]): Promise<number[]> {
  for (const call of calls) await timeKubectl(call.kubeconfig, call.cache, call.args);
  const runs = calls.map((): number[] => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [index, call] of calls.entries())
      runs[index]?.push(await timeKubectl(call.kubeconfig, call.cache, call.args));
  }
  return runs.map(median);
}

function writeKubeconfig(url: string, ca: string): { kubeconfig: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), "testbed-bench-kubectl-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, kubeconfigText(url, TOKEN, ca), { mode: 0o600 });
  return { kubeconfig, cache: join(dir, "cache") };
}

/**
 * An HTTPS server that forwards a request it has not seen to the testbed and keeps the answer, and
 * answers one it has seen from memory: after the warm-up call, the floor's calls never reach the testbed.
 */
async function startReplayServer(upstream: {
  url: string;
  ca?: string;
}): Promise<{ server: Server; url: string; ca: string }> {
  const authority = await CertificateAuthority.create("CN=bench-replay-ca", { keyAlgorithm: "ECDSA-P256" });
  const serving = await authority.issue({
    name: "CN=replay",
    dnsNames: ["localhost"],
    ipAddresses: ["127.0.0.1"],
    validDays: 1,
  });
  const recorded = new Map<string, Recorded>();
  const server = createServer({ cert: serving.cert, key: serving.key }, (incoming, outgoing) => {
    const key = `${incoming.method} ${incoming.url} ${incoming.headers.accept ?? ""}`;
    const answer = (found: Recorded) => outgoing.writeHead(found.status, found.headers).end(found.body);
    const known = recorded.get(key);
    if (known) return answer(known);
    const forwarded = request(
      new URL(incoming.url ?? "/", upstream.url),
      { method: incoming.method, headers: { ...incoming.headers, host: new URL(upstream.url).host }, ca: upstream.ca },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === "string" && !["transfer-encoding", "connection", "content-length"].includes(name))
              headers[name] = value;
          }
          const found = { status: response.statusCode ?? 500, headers, body: Buffer.concat(chunks) };
          recorded.set(key, found);
          answer(found);
        });
      },
    );
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, ca: authority.certPem };
}

if (!existsSync(KUBECTL)) {
  console.log(
    `\nkubectl latency: skipped (the real kubectl is not installed: ${KUBECTL}; run node scripts/real-clients.mjs)`,
  );
} else {
  const testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    apiPort: 0,
    apiToken: TOKEN,
    timeScale: 0,
    subnet: SUBNET,
  });
  const dirs: string[] = [];
  try {
    await testbed.waitUntilReady(30_000);
    const live = writeKubeconfig(testbed.api.url, testbed.api.ca ?? "");
    const replay = await startReplayServer(testbed.api);
    const recordedFloor = writeKubeconfig(replay.url, replay.ca);
    dirs.push(live.kubeconfig, recordedFloor.kubeconfig);
    try {
      const getPods = ["get", "pods", "-A"];
      const [client = 0, staticList = 0, againstTestbed = 0] = await interleavedMedians([
        { ...live, args: ["version", "--client"] },
        { ...recordedFloor, args: getPods },
        { ...live, args: getPods },
      ]);
      const row = (label: string, ms: number) =>
        console.log(
          `  ${label.padEnd(52)} ${ms.toFixed(0).padStart(5)} ms  ${`${(ms / staticList).toFixed(2)}× static`.padStart(14)}`,
        );
      console.log(`\nkubectl v1.33 latency (HTTPS, token, discovery cached), median of ${RUNS} runs`);
      row("kubectl version --client (kubectl alone)", client);
      row("kubectl get pods -A against a static replay (the floor)", staticList);
      row("kubectl get pods -A against the testbed", againstTestbed);
      console.log(`  the testbed's own share: ${(againstTestbed - staticList).toFixed(0)} ms per call`);
    } finally {
      await new Promise((resolve) => replay.server.close(resolve));
    }
  } finally {
    await testbed.close();
    for (const file of dirs) rmSync(join(file, ".."), { recursive: true, force: true });
  }
}
