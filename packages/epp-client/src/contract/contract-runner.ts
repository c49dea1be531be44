// Running the contract cases against one EPP, and the report of a run.
import { type Clock, systemClock } from "@testbed/common";
import { EppClient, type EppConnectionOptions } from "../epp-client.js";
import { CONTRACT_CASES, type ContractCase, ContractFailure } from "./contract-cases.js";
import type { ContractPool } from "./contract-pool.js";

export interface ContractResult {
  id: string;
  title: string;
  /** The EPP versions the case's behaviour holds for. */
  holdsFor: string;
  status: "pass" | "fail" | "skip";
  detail: string;
  ms: number;
}

export interface ContractRun {
  epp: EppConnectionOptions;
  pool: ContractPool;
  /** What the EPP under test is configured for; cases needing more are skipped. */
  capabilities: { pd: boolean; buffered: boolean };
  settleMs?: number;
  /** The EPP's Prometheus endpoint; without it the metrics cases are skipped. */
  metricsUrl?: string;
  /** The EPP's version as `testbed epp --emulate` names it; byte-exact cases run only for theirs. */
  version?: string;
  only?: string[];
  cases?: readonly ContractCase[];
  /** Times the settle waits (default: the wall clock). */
  clock?: Clock;
}

/** Run the contract cases in order against one EPP. Failures are results, not exceptions. */
export async function runContract(run: ContractRun): Promise<ContractResult[]> {
  const client = new EppClient(run.epp);
  const clock = run.clock ?? systemClock;
  const results: ContractResult[] = [];
  try {
    for (const testCase of run.cases ?? CONTRACT_CASES) {
      if (run.only && !run.only.includes(testCase.id)) continue;
      const { id, title, holdsFor } = testCase;
      const skipped = skipReason(testCase, run);
      if (skipped) {
        results.push({ id, title, holdsFor, status: "skip", detail: skipped, ms: 0 });
        continue;
      }
      const started = clock.now();
      try {
        await testCase.run({
          client,
          pool: run.pool,
          settleMs: run.settleMs ?? 3000,
          clock,
          ...(run.metricsUrl ? { metricsUrl: run.metricsUrl } : {}),
        });
        results.push({
          id,
          title,
          holdsFor,
          status: "pass",
          detail: "",
          ms: clock.now() - started,
        });
      } catch (error) {
        const detail = error instanceof ContractFailure ? error.message : `error: ${(error as Error).message}`;
        results.push({
          id,
          title,
          holdsFor,
          status: "fail",
          detail,
          ms: clock.now() - started,
        });
      }
    }
  } finally {
    client.close();
  }
  return results;
}

export function formatContractReport(results: readonly ContractResult[]): string {
  const lines = results.map((r) => {
    const mark = r.status === "pass" ? "PASS" : r.status === "fail" ? "FAIL" : "SKIP";
    const detail = r.detail ? ` — ${r.detail}` : "";
    return `${mark}  ${r.id.padEnd(28)} ${r.title}${detail}\n      holds for: ${r.holdsFor}`;
  });
  const count = (status: ContractResult["status"]) => results.filter((r) => r.status === status).length;
  lines.push("", `${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped`);
  return lines.join("\n");
}

/** Why a case does not run against this EPP, or undefined when it does. */
function skipReason(testCase: ContractCase, run: ContractRun): string | undefined {
  if (testCase.needs === "metrics") return run.metricsUrl ? undefined : "needs the EPP's metrics URL";
  if (testCase.needs && !run.capabilities[testCase.needs]) return `needs --${testCase.needs}`;
  if (testCase.onlyFor && !(run.version && testCase.onlyFor.includes(run.version))) {
    return `targets the exact bytes of ${testCase.onlyFor.join(", ")}; this EPP is ${run.version ?? "of an unnamed version"}`;
  }
  return undefined;
}
