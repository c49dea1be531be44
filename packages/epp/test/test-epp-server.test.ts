import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CertificateAuthority, eventually, LogBuffer, SimulatedClock, silentSink } from "@testbed/common";
import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";
import { HealthService } from "@testbed/protocol";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaticEndpointSource } from "../src/discovery/endpoint-source.js";
import { type EppHandle, startEpp } from "../src/epp.js";
import type { EppOptions } from "../src/options.js";

const SERVICE_NAME = "qwen3-0-6b-epp-service.my-first-model.svc";
let pod: VllmSimHandle;
let ca: CertificateAuthority;
const started: EppHandle[] = [];

async function epp(options: Partial<EppOptions> = {}): Promise<EppHandle> {
  const port = Number(new URL(pod.url).port);
  const handle = await startEpp({
    grpcPort: 0,
    grpcHealthPort: 0,
    metricsPort: 0,
    poolName: "qwen3-0-6b-inference-pool",
    endpoints: `127.0.0.1:${port}`,
    log: silentSink,
    ...options,
  });
  started.push(handle);
  return handle;
}

function check(address: string, service: string): Promise<string> {
  const client = HealthService.client(address);
  return new Promise((resolve, reject) =>
    client.Check({ service }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response?.status ?? "");
    }),
  );
}

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  ca = await CertificateAuthority.create("CN=openshift-service-serving-signer");
});
afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
  await pod.close();
});

describe("EPP TLS (the seed's Bug 3)", () => {
  it("with --secure-serving and no --cert-path presents a self-signed certificate that a CA-verifying gateway rejects", async () => {
    const handle = await epp();
    expect(handle.selfSigned).toBe(true);
    const strict = new EppClient({ address: handle.grpcAddress, tls: { caPem: ca.certPem, serverName: SERVICE_NAME } });
    await expect(routeOnce(strict, chatBody())).rejects.toThrow(/gRPC 14/);
    strict.close();
  });

  it("with --cert-path serves the mounted service-CA certificate, which the gateway accepts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "epp-tls-"));
    const pair = await ca.issue({ name: `CN=${SERVICE_NAME}`, dnsNames: [SERVICE_NAME] });
    await writeFile(join(dir, "tls.crt"), pair.cert);
    await writeFile(join(dir, "tls.key"), pair.key);
    const handle = await epp({ certPath: dir });
    expect(handle.selfSigned).toBe(false);
    const client = new EppClient({ address: handle.grpcAddress, tls: { caPem: ca.certPem, serverName: SERVICE_NAME } });
    const result = await routeOnce(client, chatBody());
    expect(result.destination).toBe(pod.url.replace("http://", ""));
    client.close();
  });

  it("serves plaintext with --secure-serving=false", async () => {
    const handle = await epp({ secureServing: false });
    const client = new EppClient({ address: handle.grpcAddress });
    expect((await routeOnce(client, chatBody())).destination).toBeDefined();
    client.close();
  });
});

describe("scraping model servers over HTTPS", () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../../vllm-sim/test/fixtures/${name}`, import.meta.url));

  it("verifies the pods' certificates against --model-server-metrics-ca-file, and never trusts others", async () => {
    const secure = await startVllmSim({
      port: 0,
      timeScale: 0,
      log: silentSink,
      sslCertfile: fixture("pod-tls.crt"),
      sslKeyfile: fixture("pod-tls.key"),
    });
    const port = Number(new URL(secure.url).port);
    const dir = await mkdtemp(join(tmpdir(), "epp-ca-"));
    await writeFile(join(dir, "wrong-ca.crt"), ca.certPem);
    const pool = () =>
      new StaticEndpointSource([
        { namespacedName: "default/tls-pod", address: "127.0.0.1", port, labels: {}, ready: true },
      ]);
    const trusting = await epp({
      secureServing: false,
      endpointSource: pool(),
      modelServerMetricsScheme: "https",
      modelServerMetricsCaFile: fixture("pod-tls.crt"),
    });
    const distrusting = await epp({
      secureServing: false,
      endpointSource: pool(),
      modelServerMetricsScheme: "https",
      modelServerMetricsCaFile: join(dir, "wrong-ca.crt"),
    });
    await eventually(() => trusting.datastore.candidates()[0]?.metricsFresh === true);
    expect(distrusting.datastore.candidates()[0]?.metricsFresh).toBe(false);
    await secure.close();
  });
});

describe("EPP health, metrics and logs", () => {
  it("answers gRPC health for the real EPP's service names, and SERVICE_UNKNOWN for others", async () => {
    const handle = await epp({ secureServing: false });
    for (const service of ["", "liveness", "readiness", "envoy.service.ext_proc.v3.ExternalProcessor"]) {
      expect(await check(handle.healthAddress, service)).toBe("SERVING");
    }
    expect(await check(handle.healthAddress, "something.else")).toBe("SERVICE_UNKNOWN");
  });

  it("exposes GIE's metrics with the pool's name, fed by scraping the vLLM pod", async () => {
    // gie-v1.5: the release whose request counter carries the objective's priority label.
    const handle = await epp({ secureServing: false, emulate: "gie-v1.5" });
    await eventually(() => handle.datastore.candidates()[0]?.metricsFresh === true);
    const client = new EppClient({ address: handle.grpcAddress });
    await routeOnce(client, chatBody());
    client.close();
    const text = await (await fetch(handle.metricsUrl)).text();
    expect(text).toContain('inference_pool_ready_pods{name="qwen3-0-6b-inference-pool"} 1');
    expect(text).toContain(
      'inference_objective_request_total{model_name="Qwen/Qwen3-0.6B",priority="0",target_model_name="Qwen/Qwen3-0.6B"} 1',
    );
    expect(text).toContain('inference_extension_scheduler_attempts_total{status="success"} 1');
    expect(text).toMatch(
      /inference_extension_plugin_duration_seconds_count\{extension_point="Scorer",plugin_type="queue-scorer",plugin_name="queue-scorer"\} 1/,
    );
    expect(text).toMatch(
      /inference_pool_per_pod_queue_size\{name="qwen3-0-6b-inference-pool",model_server_pod="endpoint-0"\} 0/,
    );
  });

  it("logs `gRPC server listening` like the real EPP, `Request handled` at -v=3 and the scores at -v=4", async () => {
    const logs = new LogBuffer();
    const handle = await epp({ secureServing: false, verbosity: 4, log: logs.sink });
    // Scored on scraped metrics: the first scrape comes one refresh interval after the pod joins.
    await eventually(() => handle.datastore.candidates()[0]?.metricsFresh === true);
    const client = new EppClient({ address: handle.grpcAddress });
    await routeOnce(client, chatBody());
    client.close();
    expect(logs.lines).toContainEqual(
      expect.stringMatching(/\tINFO\tsetup\tgRPC server listening\t\{"name": "ext-proc", "port": \d+\}$/),
    );
    const handled = logs.lines.filter((line) => line.includes("\tRequest handled\t"));
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatch(
      /\tLEVEL\(-3\)\trequestcontrol\tRequest handled\t\{"x-request-id": "[^"]+", "objectiveKey": "", "incomingModelName": "Qwen\/Qwen3-0.6B", "targetModel": "Qwen\/Qwen3-0.6B", "endpoint": "127\.0\.0\.1:\d+"\}$/,
    );
    const decisions = logs.lines.filter((line) => line.includes("Scheduling decision"));
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatch(/"queue-scorer": 1, "kv-cache-utilization-scorer": 1, "prefix-cache-scorer": 0/);
  });

  it("prints no routing decision at the default -v, and zap's JSON lines with the json encoder", async () => {
    const logs = new LogBuffer();
    const quiet = await epp({ secureServing: false, log: logs.sink });
    const client = new EppClient({ address: quiet.grpcAddress });
    await routeOnce(client, chatBody());
    client.close();
    expect(logs.lines.some((line) => line.includes("Request handled"))).toBe(false);

    const json = new LogBuffer();
    const loud = await epp({ secureServing: false, verbosity: 3, zapEncoder: "json", log: json.sink });
    const second = new EppClient({ address: loud.grpcAddress });
    await routeOnce(second, chatBody());
    second.close();
    const line = json.lines.find((l) => l.includes('"msg":"Request handled"'));
    expect(line).toBeDefined();
    expect(JSON.parse(line as string)).toMatchObject({
      level: "Level(-3)",
      logger: "requestcontrol",
      incomingModelName: "Qwen/Qwen3-0.6B",
    });
    expect(json.lines[0]).toMatch(/^\{"level":"info","ts":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","logger":"setup","msg":/);
  });

  it("treats metrics older than the staleness threshold, on the EPP's clock, as unknown", async () => {
    const clock = new SimulatedClock();
    const handle = await epp({
      secureServing: false,
      clock,
      refreshMetricsIntervalMs: 50,
      metricsStalenessThresholdMs: 100,
    });
    // The first scrape comes one interval after the pod joins (a Go ticker's first tick).
    clock.advance(50);
    await eventually(() => handle.datastore.candidates()[0]?.metricsFresh === true);
    // The next scrape starts at 100 ms but cannot answer before this synchronous check: at 151 ms
    // the one scrape so far (at 50 ms) is past the 100 ms threshold.
    clock.advance(101);
    expect(handle.datastore.candidates()[0]?.metricsFresh).toBe(false);
  });

  it("answers 503 when the pool has no ready endpoint, in the default version's words (GIE v1.2.1, RHOAI 3.2)", async () => {
    const source = new StaticEndpointSource([]);
    const handle = await epp({ secureServing: false, endpointSource: source });
    const client = new EppClient({ address: handle.grpcAddress });
    const result = await routeOnce(client, chatBody());
    client.close();
    expect(result.immediate).toEqual({
      status: 503,
      body: "inference gateway: ServiceUnavailable - failed to find candidate pods for serving the request",
    });
  });
});

describe("malformed ext_proc input", () => {
  it("answers a header without a key with an Internal immediate response and keeps serving", async () => {
    const handle = await epp({ secureServing: false });
    const client = new EppClient({ address: handle.grpcAddress });
    const session = client.session();
    session.send({
      request_headers: {
        headers: { headers: [{ key: undefined as unknown as string, value: "x" }] },
        end_of_stream: false,
      },
    });
    session.send({ request_body: { body: Buffer.from("{not json"), end_of_stream: true } });
    const event = await session.next();
    expect(event.kind).toBe("response");
    expect(event.kind === "response" && event.response.immediate_response).toBeTruthy();
    session.end();
    expect((await routeOnce(client, chatBody())).destination).toBeDefined();
    client.close();
  });
});
