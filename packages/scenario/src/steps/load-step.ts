// `load:` the load generator against a gateway, measured on the vLLM pods (per-pod deltas by role).
import { measureRun, runLoad } from "@testbed/load";
import { checkLoad } from "../checks/load-checks.js";
import { percent } from "../checks/range.js";
import type { Action, Expectations } from "../model.js";
import { cacheHitsText, type LoadMeasurement } from "../phase.js";
import { type RunContext, StepError, targetUrl } from "../run-context.js";
import type { StepOutcome } from "./step-outcome.js";

type LoadAction = Extract<Action, { kind: "load" }>;

export async function runLoadStep(
  context: RunContext,
  action: LoadAction,
  expect: Expectations,
  position: number,
): Promise<StepOutcome> {
  const url = targetUrl(context, action.target, action.path);
  const { load } = action;
  let run: Awaited<ReturnType<typeof runLoad>> | undefined;
  const cluster = await measureRun(
    context.testbed.api.url,
    async () => {
      run = await runLoad({
        url,
        model: load.model,
        requests: load.requests,
        concurrency: load.concurrency,
        rate: load.rate,
        workload: load.workload,
        stream: load.stream,
        apiKey: action.target.apiKey,
        // Each load step its own prompts, the same ones on every run with this seed.
        seed: context.seed * 1000 + position,
        // One request at a time (the default): before each, every EPP scrapes its pods until they are
        // idle, so its picks depend on the seed and the requests before, not on the CPU's load.
        ...((load.concurrency ?? 1) === 1 ? { barrier: () => context.testbed.kubelet.settle() } : {}),
      });
    },
    { namespace: action.namespace },
  );
  if (!run) throw new StepError("the load run did not complete");
  const measurement: LoadMeasurement = {
    requests: run.summary.total,
    byStatus: run.summary.byStatus,
    throughEppShare: run.summary.throughEppShare,
    pods: cluster.pods,
    cacheHitRate: cluster.cacheHitRate,
  };
  context.lastLoad = measurement;
  return {
    action: loadLine(url, action),
    output: describeLoad(measurement),
    expectations: checkLoad(expect, measurement),
    measurements: { ...measurement },
    timings: { durationMs: run.summary.durationMs, requestsPerSecond: run.summary.requestsPerSecond },
  };
}

function loadLine(url: string, action: LoadAction): string {
  const { load } = action;
  const pace = load.rate !== undefined ? `--rate ${load.rate}` : `--concurrency ${load.concurrency ?? 1}`;
  const workload = Object.entries(load.workload)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
  const key = action.target.apiKey ? ` --api-key ${action.target.apiKey}` : "";
  return `testbed load ${url} --requests ${load.requests} ${pace} --workload ${workload}${load.stream ? " --stream" : ""}${key}`;
}

function describeLoad(measurement: LoadMeasurement): string {
  const statuses = Object.entries(measurement.byStatus)
    .map(([status, count]) => `${status} ×${count}`)
    .join(", ");
  const served = measurement.pods.reduce((total, pod) => total + pod.requests, 0);
  const lines = [
    `${measurement.requests} requests: ${statuses}; through the EPP: ${percent(measurement.throughEppShare)}`,
    ...measurement.pods.map((pod) => {
      const share = served === 0 ? 0 : pod.requests / served;
      return `  ${pod.pod.padEnd(48)} ${pod.role.padEnd(8)} ${String(pod.requests).padStart(5)}  ${percent(share)}`;
    }),
    `prefix-cache hits: ${cacheHitsText(measurement)}`,
  ];
  return lines.join("\n");
}
