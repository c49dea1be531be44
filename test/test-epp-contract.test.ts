// The EPP contract suite against our own EPP: once with the default EndpointPickerConfig (and the
// older buffered exchange), once with the seed's P/D config. Same cases `testbed contract` runs
// against any EPP, including the real one.
import { silentSink } from "@testbed/common";
import { type EppHandle, SEED_PD_CONFIG_TEXT, StaticEndpointSource, startEpp } from "@testbed/epp";
import { ContractPool, type ContractResult, formatContractReport, runContract } from "@testbed/epp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const PD_CONFIG = SEED_PD_CONFIG_TEXT;

let pool: ContractPool;
const epps: EppHandle[] = [];

async function eppFor(configText?: string): Promise<EppHandle> {
  const source = new StaticEndpointSource(
    pool.pods.map((pod) => ({
      namespacedName: `default/${pod.name}`,
      address: pod.host,
      port: pod.port,
      labels: { "llm-d.ai/role": pod.role },
      ready: true,
    })),
  );
  const epp = await startEpp({
    grpcPort: 0,
    grpcHealthPort: 0,
    metricsPort: 0,
    poolName: "contract-pool",
    endpointSource: source,
    configText,
    log: silentSink,
  });
  epps.push(epp);
  return epp;
}

function expectAllPassed(results: ContractResult[]) {
  const failed = results.filter((r) => r.status === "fail");
  expect(failed, formatContractReport(results)).toEqual([]);
}

beforeAll(async () => {
  // Each pod on its own loopback address, as pods have their own IPs: the real EPP matches the
  // subset hint by IP alone.
  pool = await ContractPool.start([
    { host: "127.0.19.1", port: 0, role: "prefill" },
    { host: "127.0.19.2", port: 0, role: "prefill" },
    { host: "127.0.19.3", port: 0, role: "decode" },
    { host: "127.0.19.4", port: 0, role: "decode" },
  ]);
});
afterAll(async () => {
  await Promise.all(epps.map((epp) => epp.close()));
  await pool.close();
});

describe("EPP contract suite against the testbed's EPP", () => {
  it("passes every case with the default config, including the buffered exchange", async () => {
    const epp = await eppFor();
    const results = await runContract({
      epp: { address: epp.grpcAddress, tls: { insecureSkipVerify: true } },
      pool,
      capabilities: { pd: false, buffered: true },
    });
    expectAllPassed(results);
    expect(results.filter((r) => r.status === "pass").length).toBeGreaterThanOrEqual(13);
    expect(results.find((r) => r.id === "pd-prefill-header")?.status).toBe("skip");
  });

  it("passes every case with the seed's P/D config, including the prefill header", async () => {
    const epp = await eppFor(PD_CONFIG);
    const results = await runContract({
      epp: { address: epp.grpcAddress, tls: { insecureSkipVerify: true } },
      pool,
      capabilities: { pd: true, buffered: true },
    });
    expectAllPassed(results);
    expect(results.find((r) => r.id === "pd-prefill-header")?.status).toBe("pass");
  });

  it("reports failures as results when the EPP breaks the contract", async () => {
    // The header-based testing filter with no header keeps no endpoint: every routing case must fail.
    const epp = await eppFor("plugins:\n- type: header-based-testing-filter\n- type: queue-scorer\n");
    const results = await runContract({
      epp: { address: epp.grpcAddress, tls: { insecureSkipVerify: true } },
      pool,
      capabilities: { pd: false, buffered: false },
      only: ["routes-to-pool-endpoint", "rejects-missing-model"],
    });
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ["routes-to-pool-endpoint", "fail"],
      ["rejects-missing-model", "pass"],
    ]);
    expect(results[0]?.detail).toMatch(/immediate 429/);
  });
});
