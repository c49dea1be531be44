// One end of a metrics scrape in its own process, so bench/scrape-cost.ts reads each end's CPU apart.
// TARGET=vllm: an idle vllm-sim pod over HTTPS (CERT_FILE, KEY_FILE), as the EPP scrapes a prefill pod;
// TARGET=sidecar: llm-d's routing sidecar over HTTPS in front of UPSTREAM (the decode pod's path);
// TARGET=bare: node:https answering BODY_FILE with CONTENT_TYPE; TARGET=bare-proxy: node:https piping
// each request to UPSTREAM with node:https (the floor of the sidecar leg). TARGET_ROOT=/other/checkout
// runs that checkout's vllm-sim (A/B in one run). Prints READY <url>.
import { readFileSync } from "node:fs";
import { Agent, createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import { silentSink, systemClock } from "@testbed/common";

const root = process.env.TARGET_ROOT;
const { startRoutingSidecar, startVllmSim } = (
  root ? await import(`${root}/packages/vllm-sim/src/index.ts`) : await import("@testbed/vllm-sim")
) as typeof import("@testbed/vllm-sim");

const target = process.env.TARGET ?? "vllm";
const certFile = process.env.CERT_FILE as string;
const keyFile = process.env.KEY_FILE as string;
const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };

async function start(): Promise<string> {
  if (target === "vllm") {
    const pod = await startVllmSim({
      host: "127.0.0.1",
      port: 0,
      timeScale: 0,
      sslCertfile: certFile,
      sslKeyfile: keyFile,
      log: silentSink,
    });
    return pod.url;
  }
  if (target === "sidecar") {
    const sidecar = await startRoutingSidecar({
      host: "127.0.0.1",
      port: 0,
      decoderUrl: process.env.UPSTREAM as string,
      prefillerUseTls: true,
      https: tls,
      log: silentSink,
      clock: systemClock,
    });
    return sidecar.url;
  }
  const server =
    target === "bare"
      ? createServer(tls, bareAnswer())
      : createServer(tls, bareProxy(new URL(process.env.UPSTREAM as string)));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The same bytes and content type as the pod's /metrics, from a Buffer. */
function bareAnswer() {
  const body = readFileSync(process.env.BODY_FILE as string);
  const headers = { "content-type": process.env.CONTENT_TYPE as string, "content-length": body.length };
  return (_req: unknown, res: import("node:http").ServerResponse) => {
    res.writeHead(200, headers);
    res.end(body);
  };
}

/** A bare reverse proxy: the request's method, path and headers upstream, the answer piped back. */
function bareProxy(upstream: URL) {
  const agent = new Agent({ keepAlive: true, rejectUnauthorized: false });
  return (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, agent, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(out);
  };
}

process.stdout.write(`READY ${await start()}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
