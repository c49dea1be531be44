// The topology's gateways serve HTTPS with the testbed's ingress certificate; `curl -k` and a client
// trusting the ingress CA both work, and the access log records the SNI as %REQUESTED_SERVER_NAME%.
import { request } from "node:https";
import { CertificateAuthority, silentSink } from "@testbed/common";
import { afterAll, describe, expect, it } from "vitest";
import { type GatewayHandle, startGateway } from "../src/gateway.js";
import { startEchoUpstream } from "./echo-upstream.js";
import { simpleConfig } from "./fixtures/simple-config.js";

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function get(url: string, ca: string, servername: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, ca, servername },
      (response) => {
        let body = "";
        response.on("data", (chunk) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describe("HTTPS listener", () => {
  it("serves TLS with the configured certificate and logs the requested server name", async () => {
    const ca = await CertificateAuthority.create("CN=ingress-operator");
    const name = "openshift-ai-inference.apps.testbed.local";
    const pair = await ca.issue({ name: `CN=${name}`, dnsNames: [name] });
    const upstream = await startEchoUpstream();
    const gateway: GatewayHandle = await startGateway(
      simpleConfig({ upstream: [upstream.hostPort], listenerTls: pair }),
      {
        accessLogSink: silentSink,
        log: silentSink,
      },
    );
    cleanups.push(
      () => gateway.close(),
      () => upstream.close(),
    );
    const base = Object.values(gateway.listenerUrls)[0] ?? "";
    expect(base).toMatch(/^https:\/\//);
    const response = await get(`${base}/v1/models`, ca.certPem, name);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body).headers["x-forwarded-proto"]).toBe("https");
    expect(gateway.accessLog.lines.at(-1)).toContain(` ${name} backend-route`);
  });
});
