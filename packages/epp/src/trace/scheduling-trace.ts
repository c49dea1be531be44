// The EPP's part of the routing trace: one scheduling cycle per request, kept in the EPP's own ring
// and served on its metrics port at /debug/traces — a side channel; the ext_proc wire is untouched.
import type { Clock } from "@testbed/common";
import { type HopStart, hopTime, type PartRecorder, type ProfileRun } from "@testbed/trace";
import { hostPort } from "../datastore/endpoint.js";
import type { SchedulingResult } from "../scheduling/framework.js";
import { podName } from "../scheduling/scheduler.js";

/** What the EPP decided for one request, in the trace's shape. */
export function recordScheduling(
  part: PartRecorder,
  clock: Clock,
  start: HopStart,
  facts: {
    pool: string;
    model: string;
    runs: ProfileRun[];
    result?: SchedulingResult;
    destination?: string;
    headers?: Record<string, string>;
    error?: string;
  },
): void {
  const prefill = facts.result?.profileResults.prefill?.targetEndpoints[0];
  const primary = facts.result?.profileResults[facts.result.primaryProfileName]?.targetEndpoints[0];
  part.hop({
    kind: "scheduling",
    component: part.component,
    time: hopTime(clock, start),
    pool: facts.pool,
    model: facts.model,
    profiles: facts.runs,
    ...(facts.destination !== undefined ? { picked: facts.destination } : {}),
    ...(primary ? { pickedPod: podName(primary) } : {}),
    ...(prefill ? { prefill: hostPort(prefill), prefillPod: podName(prefill) } : {}),
    headersSet: {
      ...(facts.destination !== undefined ? { "x-gateway-destination-endpoint": facts.destination } : {}),
      ...facts.headers,
    },
    ...(facts.error !== undefined ? { error: facts.error } : {}),
  });
}
