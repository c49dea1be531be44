// The READY, STATUS and RESTARTS columns of `oc get pods`, computed the way kubectl's printer does:
// native sidecars (init containers with restartPolicy Always) count as containers, the STATUS is the
// most telling container reason (CrashLoopBackOff, ContainerCreating, Init:0/1), Terminating wins.

import { ageSince } from "./age.js";
import type { KubeObject } from "./kube-object.js";

interface ContainerStatus {
  name: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: {
    waiting?: { reason?: string };
    running?: { startedAt?: string };
    terminated?: { reason?: string; exitCode?: number; signal?: number; finishedAt?: string };
  };
  lastState?: { terminated?: { finishedAt?: string } };
}

interface ContainerSpec {
  name: string;
  restartPolicy?: string;
}

function sidecarNames(pod: KubeObject): Set<string> {
  const init = (pod.spec?.initContainers ?? []) as ContainerSpec[];
  return new Set(init.filter((c) => c.restartPolicy === "Always").map((c) => c.name));
}

function statuses(pod: KubeObject, field: "containerStatuses" | "initContainerStatuses"): ContainerStatus[] {
  return (pod.status?.[field] ?? []) as ContainerStatus[];
}

export function podReady(pod: KubeObject): string {
  const sidecars = sidecarNames(pod);
  const total = ((pod.spec?.containers ?? []) as ContainerSpec[]).length + sidecars.size;
  const ready =
    statuses(pod, "containerStatuses").filter((s) => s.ready).length +
    statuses(pod, "initContainerStatuses").filter((s) => sidecars.has(s.name) && s.ready).length;
  return `${ready}/${total}`;
}

export function podRestarts(pod: KubeObject, now: number): string {
  const sidecars = sidecarNames(pod);
  const counted = [
    ...statuses(pod, "containerStatuses"),
    ...statuses(pod, "initContainerStatuses").filter((s) => sidecars.has(s.name)),
  ];
  const restarts = counted.reduce((sum, s) => sum + (s.restartCount ?? 0), 0);
  const last = counted
    .map((s) => s.lastState?.terminated?.finishedAt)
    .filter((t): t is string => t !== undefined)
    .sort()
    .pop();
  return restarts > 0 && last ? `${restarts} (${ageSince(last, now)} ago)` : String(restarts);
}

export function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return "Terminating";
  const initReason = initContainerReason(pod);
  if (initReason !== undefined) return initReason;
  let reason: string = pod.status?.reason ?? pod.status?.phase ?? "Pending";
  let hasRunning = false;
  for (const status of [...statuses(pod, "containerStatuses")].reverse()) {
    const state = status.state ?? {};
    if (state.waiting?.reason) reason = state.waiting.reason;
    else if (state.terminated?.reason) reason = state.terminated.reason;
    else if (state.terminated) {
      reason = state.terminated.signal
        ? `Signal:${state.terminated.signal}`
        : `ExitCode:${state.terminated.exitCode ?? 0}`;
    } else if (state.running && status.ready) hasRunning = true;
  }
  if (reason === "Completed" && hasRunning) reason = "Running";
  return reason;
}

/** `Init:1/2`, `Init:CrashLoopBackOff` while init containers have not all finished (sidecars: started). */
function initContainerReason(pod: KubeObject): string | undefined {
  const sidecars = sidecarNames(pod);
  const init = statuses(pod, "initContainerStatuses");
  const total = ((pod.spec?.initContainers ?? []) as ContainerSpec[]).length;
  for (const [index, status] of init.entries()) {
    const state = status.state ?? {};
    if (sidecars.has(status.name) && status.started) continue;
    if (state.terminated?.exitCode === 0) continue;
    if (state.terminated) {
      return `Init:${state.terminated.reason ?? (state.terminated.signal ? `Signal:${state.terminated.signal}` : `ExitCode:${state.terminated.exitCode}`)}`;
    }
    if (state.waiting?.reason && state.waiting.reason !== "PodInitializing") return `Init:${state.waiting.reason}`;
    return `Init:${index}/${total}`;
  }
  return undefined;
}
