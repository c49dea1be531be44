// HTTP/2 from clients, as Envoy's connection manager with codec_type AUTO serves it: over TLS when
// the listener offers h2 by ALPN (Istio's gateways offer h2 and http/1.1), in cleartext when the
// connection opens with the HTTP/2 preface. The access log's %PROTOCOL% then says HTTP/2, as the
// seed's log line does ("POST /v1/chat/completions HTTP/2").
import { execFile } from "node:child_process";
import { connect } from "node:http2";
import { request as httpsRequest } from "node:https";
import { promisify } from "node:util";
import { CertificateAuthority, silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { type EchoUpstream, startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";

type Json = Record<string, unknown>;

const NAME = "gw.apps.testbed.local";
let upstream: EchoUpstream;
let ca: CertificateAuthority;
let pair: { cert: string; key: string };
const gateways: GatewayHandle[] = [];

beforeAll(async () => {
  upstream = await startEchoUpstream();
  ca = await CertificateAuthority.create("CN=ingress-operator");
  pair = await ca.issue({ name: `CN=${NAME}`, dnsNames: [NAME] });
});

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await upstream.close();
});

/** The simple config with TLS on the listener, offering `alpn` (none when undefined). */
async function tlsGateway(alpn: string[] | undefined): Promise<GatewayHandle> {
  const config = simpleConfig({ upstream: [upstream.hostPort], listenerTls: pair }) as {
    static_resources: { listeners: Array<{ filter_chains: Array<{ transport_socket: { typed_config: Json } }> }> };
  };
  const context = config.static_resources.listeners[0]?.filter_chains[0]?.transport_socket.typed_config
    .common_tls_context as Json;
  if (alpn) context.alpn_protocols = alpn;
  return started(config);
}

async function started(config: Json): Promise<GatewayHandle> {
  const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
  gateways.push(g);
  return g;
}

/** One request over an HTTP/2 session (h2 over TLS, or h2c with prior knowledge). */
async function h2Request(base: string, method: string, path: string, body?: string) {
  const session = connect(base, { ca: ca.certPem, servername: NAME });
  try {
    return await new Promise<{ status: number; body: string; alpn: string | false | undefined }>((resolve, reject) => {
      session.once("error", reject);
      const stream = session.request({ ":method": method, ":path": path, "content-type": "application/json" });
      let status = 0;
      let text = "";
      stream.on("response", (headers) => {
        status = Number(headers[":status"]);
      });
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        text += chunk;
      });
      stream.on("end", () => resolve({ status, body: text, alpn: session.alpnProtocol }));
      stream.on("error", reject);
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

function https11(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    // Passed through to tls.connect: the client offers only http/1.1.
    const options = {
      host: url.hostname,
      port: url.port,
      path,
      ca: ca.certPem,
      servername: NAME,
      ALPNProtocols: ["http/1.1"],
    };
    const req = httpsRequest(options, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

const lastLine = (g: GatewayHandle) => g.accessLog.lines.at(-1) ?? "";

describe("HTTP/2 downstream", () => {
  it("speaks h2 on a TLS listener that offers it by ALPN, and logs HTTP/2", async () => {
    const g = await tlsGateway(["h2", "http/1.1"]);
    const base = g.listenerUrls.test ?? "";
    const body = JSON.stringify({ model: "m", prompt: "hi" });
    const response = await h2Request(base, "POST", "/v1/completions", body);
    expect(response.alpn).toBe("h2");
    expect(response.status).toBe(200);
    const seen = JSON.parse(response.body) as { method: string; path: string; body: string; headers: Json };
    expect(seen).toMatchObject({ method: "POST", path: "/v1/completions", body });
    // The client's :authority (its SNI name here) reaches the upstream as Host.
    expect(seen.headers.host).toBe(`${NAME}:${new URL(base).port}`);
    expect(lastLine(g)).toContain('"POST /v1/completions HTTP/2" 200 - via_upstream');
    expect(lastLine(g)).toContain(` ${NAME} backend-route`);
  });

  it("still serves HTTP/1.1 on that listener to a client that asks for it", async () => {
    const g = await tlsGateway(["h2", "http/1.1"]);
    expect(await https11(g.listenerUrls.test ?? "", "/v1/models")).toBe(200);
    expect(lastLine(g)).toContain('"GET /v1/models HTTP/1.1" 200');
  });

  it("gives a local reply over h2 too", async () => {
    const g = await tlsGateway(["h2", "http/1.1"]);
    const response = await h2Request(g.listenerUrls.test ?? "", "GET", "/direct");
    expect(response).toMatchObject({ status: 200, body: "direct ok" });
    expect(lastLine(g)).toContain('"GET /direct HTTP/2" 200');
  });

  it("without alpn_protocols the listener negotiates no h2: an h2-only client cannot start a session", async () => {
    const g = await tlsGateway(undefined);
    await expect(h2Request(g.listenerUrls.test ?? "", "GET", "/v1/models")).rejects.toThrow();
    expect(await https11(g.listenerUrls.test ?? "", "/v1/models")).toBe(200);
  });

  it("on a cleartext listener takes h2c with prior knowledge and HTTP/1.1 alike", async () => {
    const g = await started(simpleConfig({ upstream: [upstream.hostPort] }));
    const base = g.listenerUrls.test ?? "";
    expect((await h2Request(base, "GET", "/v1/models")).status).toBe(200);
    expect(lastLine(g)).toContain('"GET /v1/models HTTP/2" 200');
    expect((await fetch(`${base}/v1/models`)).status).toBe(200);
    expect(lastLine(g)).toContain('"GET /v1/models HTTP/1.1" 200');
  });

  it("curl --http2 -k gets HTTP/2 only where ALPN offers h2", async () => {
    const curl = promisify(execFile);
    const version = async (base: string) =>
      (await curl("curl", ["--http2", "-sk", "-o", "/dev/null", "-w", "%{http_version}", `${base}/v1/models`])).stdout;
    let available = true;
    await curl("curl", ["--version"]).catch(() => {
      available = false;
    });
    if (!available) return;
    expect(await version((await tlsGateway(["h2", "http/1.1"])).listenerUrls.test ?? "")).toBe("2");
    expect(await version((await tlsGateway(undefined)).listenerUrls.test ?? "")).toBe("1.1");
  });
});
