import type { PodPhaseState } from "./pod-lifecycle.js";
import type { ContainerSpec, RunningContainer } from "./runtimes/container-runtime.js";

/** One container as the pod worker tracks it; `state` is already in PodStatus's shape. */
export interface ContainerRecord {
  spec: ContainerSpec;
  kind: "init" | "sidecar" | "main";
  running?: RunningContainer;
  state: Record<string, Record<string, unknown>>;
  lastState?: Record<string, Record<string, unknown>>;
  ready: boolean;
  restartCount: number;
  /** Bumped on every start and exit, so late callbacks of an old run are ignored. */
  generation: number;
  onExit?: (code: number) => void;
}

interface StatusInput {
  phase: PodPhaseState;
  containers: ContainerRecord[];
  podIP: string;
  hostIP: string;
  startTime: string;
  previous: Record<string, unknown> | undefined;
  /** The current time, for conditions that change now. */
  now: string;
}

/**
 * PodStatus as the kubelet reports it: phase, the four conditions, IPs, and a status per
 * container — init containers (including native sidecars) under initContainerStatuses.
 */
export function buildPodStatus(input: StatusInput): Record<string, unknown> {
  const init = input.containers.filter((c) => c.kind !== "main");
  const main = input.containers.filter((c) => c.kind === "main");
  const initialized = input.phase === "running" || input.phase === "terminating";
  const sidecarsReady = init.filter((c) => c.kind === "sidecar").every((c) => c.ready);
  const containersReady = initialized && main.every((c) => c.ready) && sidecarsReady;
  const now = input.now;
  const previousConditions = (input.previous?.conditions ?? []) as Array<Record<string, unknown>>;
  const condition = (type: string, ok: boolean, reason?: string) => {
    const status = ok ? "True" : "False";
    const before = previousConditions.find((c) => c.type === type);
    return {
      type,
      status,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now,
      ...(ok || !reason ? {} : { reason }),
    };
  };
  // Every main container terminated for good (restartPolicy Never/OnFailure): Succeeded if all exited 0.
  const finished = main.length > 0 && main.every((c) => c.state.terminated !== undefined);
  const succeeded = main.every((c) => c.state.terminated?.exitCode === 0);
  return {
    phase: finished ? (succeeded ? "Succeeded" : "Failed") : initialized ? "Running" : "Pending",
    conditions: [
      condition("PodScheduled", true),
      condition("Initialized", initialized, "ContainersNotInitialized"),
      condition("ContainersReady", containersReady, "ContainersNotReady"),
      condition("Ready", containersReady, "ContainersNotReady"),
    ],
    hostIP: input.hostIP,
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    startTime: input.startTime,
    ...(init.length > 0 ? { initContainerStatuses: init.map(containerStatus) } : {}),
    containerStatuses: main.map(containerStatus),
  };
}

function containerStatus(record: ContainerRecord): Record<string, unknown> {
  return {
    name: record.spec.name,
    image: record.spec.image,
    imageID: `${record.spec.image.split(":")[0]}@sha256:${"0".repeat(64)}`,
    ready: record.ready,
    started: record.state.running !== undefined,
    restartCount: record.restartCount,
    state: record.state,
    lastState: record.lastState ?? {},
  };
}
