// The contract suite against our EPP in every version `--emulate` reproduces: each case passes, or
// is skipped with its reason (a byte-exact case of another version, P/D without a P/D config); none
// fails. The suite is the one `testbed contract` runs against the real EPP.
import { silentSink } from "@testbed/common";
import { ContractPool, endpointsYaml, formatContractReport, runContract } from "@testbed/epp-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StaticEndpointSource } from "../src/discovery/endpoint-source.js";
import { parseEndpointsYaml } from "../src/discovery/endpoints-file.js";
import { EMULATED_VERSIONS } from "../src/emulation/emulated-version.js";
import { type EppHandle, startEpp } from "../src/epp.js";
import { SEED_PD_CONFIG_TEXT } from "../src/scheduling/config/seed-configs.js";

let pool: ContractPool;
beforeAll(async () => {
  pool = await ContractPool.start([
    { host: "127.0.18.1", port: 0, role: "prefill" },
    { host: "127.0.18.2", port: 0, role: "prefill" },
    { host: "127.0.18.3", port: 0, role: "decode" },
    { host: "127.0.18.4", port: 0, role: "decode" },
  ]);
});
afterAll(async () => {
  await pool.close();
});

async function epp(emulate: string): Promise<EppHandle> {
  const specs = parseEndpointsYaml(endpointsYaml(pool.pods), "endpoints.yaml");
  return startEpp({
    grpcPort: 0,
    grpcHealthPort: 0,
    metricsPort: 0,
    secureServing: false,
    emulate,
    configText: SEED_PD_CONFIG_TEXT,
    endpointSource: new StaticEndpointSource(specs),
    log: silentSink,
  });
}

describe("the contract suite against every emulated version", () => {
  for (const version of Object.keys(EMULATED_VERSIONS)) {
    it(`${version}: every case passes or is skipped with a reason`, async () => {
      const handle = await epp(version);
      try {
        await handle.settle();
        const results = await runContract({
          epp: { address: handle.grpcAddress },
          pool,
          capabilities: { pd: true, buffered: true },
          metricsUrl: handle.metricsUrl,
          version,
          settleMs: 3000,
        });
        const report = formatContractReport(results);
        expect(
          results.filter((r) => r.status === "fail"),
          report,
        ).toEqual([]);
        const skipped = results.filter((r) => r.status === "skip");
        // Only the byte-exact case of the other body handling is skipped.
        expect(skipped.map((r) => r.id).sort(), report).toEqual(
          version === "llm-d-router-c51b75a1d"
            ? ["request-body-re-encoded"]
            : version === "llm-d-router-main"
              ? ["request-body-as-sent", "request-body-re-encoded"]
              : ["request-body-as-sent"],
        );
        for (const result of skipped) expect(result.detail).toMatch(/targets the exact bytes of/);
      } finally {
        await handle.close();
      }
    }, 60_000);
  }
});
