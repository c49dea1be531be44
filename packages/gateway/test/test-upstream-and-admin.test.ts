import { fileURLToPath } from "node:url";
import { CertificateAuthority, eventually, silentSink } from "@testbed/common";
import { type EppHandle, startEpp } from "@testbed/epp";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { startEchoUpstream } from "./echo-upstream.js";
import { EPP_PROCESSING_MODE, simpleConfig } from "./fixtures/simple-config.js";
import { listenOnLoopback } from "./loopback-server.js";

const fixture = (name: string) => fileURLToPath(new URL(`../../vllm-sim/test/fixtures/${name}`, import.meta.url));
const chat = JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 });
const gateways: GatewayHandle[] = [];
let httpsPod: VllmSimHandle;
let slowPod: VllmSimHandle;

beforeAll(async () => {
  httpsPod = await startVllmSim({
    port: 0,
    timeScale: 0,
    log: silentSink,
    sslCertfile: fixture("pod-tls.crt"),
    sslKeyfile: fixture("pod-tls.key"),
  });
  slowPod = await startVllmSim({ port: 0, timeScale: 1, log: silentSink });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await Promise.all([httpsPod.close(), slowPod.close()]);
});

async function gatewayWith(parts: Parameters<typeof simpleConfig>[0]): Promise<GatewayHandle> {
  const g = await startGateway(simpleConfig(parts), { accessLogSink: silentSink, log: silentSink });
  gateways.push(g);
  return g;
}

async function post(g: GatewayHandle, body = chat) {
  const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  return { status: response.status, text: await response.text(), line: g.accessLog.lines.at(-1) ?? "" };
}

const hostPort = (pod: VllmSimHandle) => pod.url.replace(/^https?:\/\//, "");

describe("upstream failures, answered like Envoy", () => {
  it("connection refused: 503 UF with Envoy's body, and with retries UF,URX", async () => {
    const plain = await post(await gatewayWith({ upstream: ["127.0.0.1:1"] }));
    expect(plain.status).toBe(503);
    expect(plain.text).toBe(
      "upstream connect error or disconnect/reset before headers. reset reason: remote connection failure",
    );
    expect(plain.line).toContain(" 503 UF upstream_reset_before_response_started{remote_connection_failure} ");
    const retried = await post(await gatewayWith({ upstream: ["127.0.0.1:1"], retries: 2 }));
    expect(retried.text).toMatch(
      /^upstream connect error or disconnect\/reset before headers\. retried and the latest reset reason: remote connection failure$/,
    );
    expect(retried.line).toContain(" 503 UF,URX ");
  });

  it("no endpoints: 503 UH no healthy upstream", async () => {
    const response = await post(await gatewayWith({ upstream: [] }));
    expect(response.status).toBe(503);
    expect(response.text).toBe("no healthy upstream");
    expect(response.line).toContain(" 503 UH no_healthy_upstream ");
  });

  it("a CA file whose content changes reaches new connections on the next update, the cluster config unchanged", async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const caFile = `${mkdtempSync(`${tmpdir()}/gateway-ca-`)}/service-ca.crt`;
    writeFileSync(caFile, (await CertificateAuthority.create("CN=some-other-ca")).certPem);
    const config = simpleConfig({ upstream: [hostPort(httpsPod)], upstreamTls: { caPem: "placeholder" } }) as {
      static_resources: { clusters: Array<{ transport_socket: { typed_config: Record<string, unknown> } }> };
    };
    const tls = config.static_resources.clusters[0]?.transport_socket.typed_config as {
      common_tls_context: { validation_context: { trusted_ca: unknown } };
    };
    tls.common_tls_context.validation_context.trusted_ca = { filename: caFile };
    const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
    gateways.push(g);
    expect((await post(g)).status).toBe(503);
    // Istio serves the file through SDS: its new content is used without any other change.
    writeFileSync(caFile, readFileSync(fixture("pod-tls.crt")));
    await g.update(config);
    expect((await post(g)).status).toBe(200);
  });

  it("an HTTPS pod whose certificate the CA did not sign: UF,URX with the TLS_error reason, cx_connect_fail and ssl.fail_verify_error", async () => {
    const other = await CertificateAuthority.create("CN=some-other-ca");
    const g = await gatewayWith({ upstream: [hostPort(httpsPod)], upstreamTls: { caPem: other.certPem }, retries: 1 });
    const response = await post(g);
    expect(response.status).toBe(503);
    expect(response.text).toContain(
      "transport failure reason: TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end",
    );
    expect(response.line).toContain(
      '"TLS_error:|268435581:SSL_routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED:TLS_error_end"',
    );
    const clusters = await (await fetch(`${g.adminUrl}/clusters`)).text();
    expect(clusters).toContain(`backend::${hostPort(httpsPod)}::cx_connect_fail::2`);
    const stats = await (await fetch(`${g.adminUrl}/stats`)).text();
    expect(stats).toContain("cluster.backend.ssl.fail_verify_error: 2");
  });

  it("the right CA and SNI: 200 over HTTPS, one connection reused (keep-alive)", async () => {
    const g = await gatewayWith({
      upstream: [hostPort(httpsPod)],
      upstreamTls: {
        caPem: await import("node:fs").then((fs) => fs.readFileSync(fixture("pod-tls.crt"), "utf8")),
        sni: "localhost",
      },
    });
    for (let i = 0; i < 3; i++) expect((await post(g)).status).toBe(200);
    const clusters = await (await fetch(`${g.adminUrl}/clusters`)).text();
    expect(clusters).toContain(`backend::${hostPort(httpsPod)}::cx_total::1`);
    expect(clusters).toContain(`backend::${hostPort(httpsPod)}::rq_success::3`);
  });

  it("insecureSkipVerify accepts any certificate", async () => {
    expect(
      (await post(await gatewayWith({ upstream: [hostPort(httpsPod)], upstreamTls: { insecure: true } }))).status,
    ).toBe(200);
  });

  it("a route timeout shorter than the response: 504 UT upstream request timeout", async () => {
    const g = await gatewayWith({ upstream: [hostPort(slowPod)], routeTimeout: "0.05s" });
    const response = await post(
      g,
      JSON.stringify({
        model: "Qwen/Qwen3-0.6B",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 200,
        ignore_eos: true,
      }),
    );
    expect(response.status).toBe(504);
    expect(response.text).toBe("upstream request timeout");
    expect(response.line).toContain(" 504 UT upstream_response_timeout ");
  });
});

describe("the upstream connection pool (Envoy's HTTP/1.1 pool: one request per connection at a time)", () => {
  /** The cluster's host counters from /clusters, by name. */
  async function hostCounters(g: GatewayHandle, host: string): Promise<Record<string, number>> {
    const text = await (await fetch(`${g.adminUrl}/clusters`)).text();
    const counters: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const match = new RegExp(`^backend::${host.replace(/\./g, "\\.")}::(\\w+)::(\\d+)$`).exec(line);
      if (match?.[1] && match[2]) counters[match[1]] = Number(match[2]);
    }
    return counters;
  }

  it("opens a connection per concurrent request, then reuses them: cx_total stays at the peak", async () => {
    const g = await gatewayWith({ upstream: [hostPort(slowPod)] });
    const slow = JSON.stringify({
      model: "Qwen/Qwen3-0.6B",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 3,
    });
    const statuses = await Promise.all([post(g, slow), post(g, slow), post(g, slow)]);
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200]);
    for (let i = 0; i < 3; i++) expect((await post(g, slow)).status).toBe(200);
    const counters = await hostCounters(g, hostPort(slowPod));
    expect(counters.cx_total).toBe(3);
    expect(counters.cx_active).toBe(3);
    expect(counters.rq_total).toBe(6);
    expect(counters.rq_success).toBe(6);
    expect(counters.rq_active).toBe(0);
  });

  it("a connection the upstream closed while idle is replaced on the next request, which succeeds", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_request, response) => response.end("{}"));
    const { hostPort: upstream, close } = await listenOnLoopback(server);
    try {
      const g = await gatewayWith({ upstream: [upstream] });
      expect((await post(g)).status).toBe(200);
      // The upstream drops its idle keep-alive connection, as uvicorn does after its timeout.
      server.closeIdleConnections();
      await eventually(async () => (await hostCounters(g, upstream)).cx_active === 0);
      expect((await post(g)).status).toBe(200);
      const counters = await hostCounters(g, upstream);
      expect(counters.cx_total).toBe(2);
      expect(counters.rq_success).toBe(2);
      expect(counters.rq_error).toBe(0);
    } finally {
      await close();
    }
  });

  it("a route timeout resets its exchange and closes that connection without opening another", async () => {
    const g = await gatewayWith({ upstream: [hostPort(slowPod)], routeTimeout: "0.05s" });
    const long = JSON.stringify({
      model: "Qwen/Qwen3-0.6B",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 200,
    });
    expect((await post(g, long)).status).toBe(504);
    await eventually(async () => (await hostCounters(g, hostPort(slowPod))).cx_active === 0);
    // A window for a wrong reconnect to show: what is asserted is that nothing happens in it.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const counters = await hostCounters(g, hostPort(slowPod));
    expect(counters.cx_total).toBe(1);
    expect(counters.cx_active).toBe(0);
    expect(counters.rq_timeout).toBe(1);
    expect(counters.rq_active).toBe(0);
  });

  it("skips a 103 Early Hints and relays the final response", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_request, response) => {
      response.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" });
      response.writeHead(200, { "content-type": "application/json" }).end('{"final":true}');
    });
    const { hostPort: upstream, close } = await listenOnLoopback(server);
    try {
      const g = await gatewayWith({ upstream: [upstream] });
      const response = await post(g);
      expect(response.status).toBe(200);
      expect(response.text).toBe('{"final":true}');
      expect((await hostCounters(g, upstream)).rq_success).toBe(1);
    } finally {
      await close();
    }
  });

  it("sends the cluster's SNI whatever the Host header, and keeps one connection when the Host changes", async () => {
    const { readFileSync } = await import("node:fs");
    const { createServer } = await import("node:https");
    const names: Array<string | false> = [];
    const server = createServer(
      { cert: readFileSync(fixture("pod-tls.crt")), key: readFileSync(fixture("pod-tls.key")) },
      (_request, response) => response.end("{}"),
    );
    server.on("secureConnection", (socket) =>
      names.push((socket as { servername?: string | false }).servername ?? false),
    );
    const { hostPort: upstream, close } = await listenOnLoopback(server);
    try {
      const g = await gatewayWith({ upstream: [upstream], upstreamTls: { insecure: true, sni: "configured.sni" } });
      const url = `${Object.values(g.listenerUrls)[0]}/v1/chat/completions`;
      for (const host of ["a.example", "b.example"]) {
        const { request } = await import("node:http");
        const status = await new Promise<number>((resolve, reject) => {
          const outgoing = request(
            url,
            { method: "POST", headers: { host, "content-type": "application/json" } },
            (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            },
          );
          outgoing.on("error", reject);
          outgoing.end(chat);
        });
        expect(status).toBe(200);
      }
      expect(names).toEqual(["configured.sni"]);
      expect((await hostCounters(g, upstream)).cx_total).toBe(1);
    } finally {
      await close();
    }
  });

  it("Expect: 100-continue is answered by the gateway and not sent upstream", async () => {
    const echo = await startEchoUpstream();
    try {
      const g = await gatewayWith({ upstream: [echo.hostPort] });
      const url = new URL(`${Object.values(g.listenerUrls)[0]}/v1/chat/completions`);
      const { request } = await import("node:http");
      const status = await new Promise<number>((resolve, reject) => {
        const outgoing = request(
          {
            host: url.hostname,
            port: url.port,
            method: "POST",
            path: url.pathname,
            headers: { expect: "100-continue", "content-type": "application/json" },
          },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        outgoing.on("continue", () => outgoing.end(chat));
        outgoing.on("error", reject);
      });
      expect(status).toBe(200);
      expect(echo.requests[0]?.headers.expect).toBeUndefined();
      expect(echo.requests[0]?.body).toBe(chat);
    } finally {
      await echo.close();
    }
  });
});

describe("streaming through the gateway and the EPP", () => {
  let epp: EppHandle;
  beforeAll(async () => {
    epp = await startEpp({
      grpcPort: 0,
      grpcHealthPort: 0,
      metricsPort: 0,
      secureServing: false,
      endpoints: hostPort(slowPod),
      log: silentSink,
    });
  });
  afterAll(() => epp.close());

  it("delivers SSE token by token through a FULL_DUPLEX ext_proc exchange, not buffered", async () => {
    const g = await gatewayWith({
      upstream: [hostPort(slowPod)],
      processor: epp.grpcAddress,
      mode: EPP_PROCESSING_MODE,
    });
    const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "Qwen/Qwen3-0.6B",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 30,
        ignore_eos: true,
        stream: true,
      }),
    });
    expect(response.headers.get("x-went-into-resp-headers")).toBe("true");
    const reader = response.body?.getReader();
    let reads = 0;
    let text = "";
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      reads++;
      text += new TextDecoder().decode(value);
    }
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((text.match(/"delta":\{"content"/g) ?? []).length).toBe(30);
    expect(reads).toBeGreaterThanOrEqual(10);
  });
});

describe("the EPP's own e2e Envoy config runs unchanged (ORIGINAL_DST reading x-gateway-destination-endpoint)", () => {
  it("routes each request to the pod the EPP names in the header", async () => {
    const pods = await Promise.all([0, 1].map(() => startVllmSim({ port: 0, timeScale: 0, log: silentSink })));
    const epp = await startEpp({
      grpcPort: 0,
      grpcHealthPort: 0,
      metricsPort: 0,
      secureServing: false,
      endpoints: pods.map(hostPort).join(","),
      log: silentSink,
    });
    const config = simpleConfig({
      upstream: [],
      clusterType: "ORIGINAL_DST",
      processor: epp.grpcAddress,
      mode: EPP_PROCESSING_MODE,
    }) as { static_resources: { clusters: Array<Record<string, unknown>> } };
    Object.assign(config.static_resources.clusters[0] as Record<string, unknown>, {
      lb_policy: "CLUSTER_PROVIDED",
      original_dst_lb_config: { use_http_header: true, http_header_name: "x-gateway-destination-endpoint" },
      load_assignment: undefined,
    });
    delete (config.static_resources.clusters[0] as Record<string, unknown>).load_assignment;
    const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
    try {
      const response = await post(g);
      expect(response.status).toBe(200);
      const served = /" "([^"]+)" backend/.exec(response.line)?.[1];
      expect(pods.map(hostPort)).toContain(served);
      const json = (await (await fetch(`${g.adminUrl}/clusters?format=json`)).json()) as {
        cluster_statuses: Array<{ name: string }>;
      };
      expect(json.cluster_statuses.map((c) => c.name)).toEqual(["backend", "processor"]);
      const dump = await (await fetch(`${g.adminUrl}/config_dump`)).json();
      expect(JSON.stringify(dump)).toContain("x-gateway-destination-endpoint");
      expect(await (await fetch(`${g.adminUrl}/ready`)).text()).toBe("LIVE\n");
    } finally {
      await g.close();
      await epp.close();
      await Promise.all(pods.map((p) => p.close()));
    }
  });
});

describe("ORIGINAL_DST with a header that names no usable address", () => {
  it("a port out of range is no host: 503 UH, nothing left pending", async () => {
    const config = simpleConfig({ upstream: [], clusterType: "ORIGINAL_DST" }) as {
      static_resources: { clusters: Array<Record<string, unknown>> };
    };
    const cluster = config.static_resources.clusters[0] as Record<string, unknown>;
    cluster.lb_policy = "CLUSTER_PROVIDED";
    cluster.original_dst_lb_config = { use_http_header: true, http_header_name: "x-gateway-destination-endpoint" };
    delete cluster.load_assignment;
    const g = await startGateway(config, { accessLogSink: silentSink, log: silentSink });
    gateways.push(g);
    const response = await fetch(`${Object.values(g.listenerUrls)[0]}/v1/models`, {
      headers: { "x-gateway-destination-endpoint": "127.0.0.1:99999" },
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toBe("no healthy upstream");
    expect(await (await fetch(`${g.adminUrl}/stats`)).text()).toContain(
      "cluster.backend.upstream_rq_pending_active: 0",
    );
  });
});
