import { createActor, createMachine } from "xstate";

/**
 * A pod's phases as the kubelet moves it through them. Containers have their own small state
 * (waiting / running / terminated, restarts, readiness) kept by the pod worker; this machine is
 * the pod's: scheduled → init containers → running, and termination from anywhere.
 *
 *   Pending ─SCHEDULED→ Initializing ─INITIALIZED→ Running
 *      │                    │                         │
 *      └──────── DELETE ────┴──────── DELETE ─────────┴→ Terminating ─STOPPED→ Terminated
 */
export const podLifecycle = createMachine({
  id: "pod",
  initial: "pending",
  states: {
    pending: { on: { SCHEDULED: "initializing", DELETE: "terminated" } },
    initializing: { on: { INITIALIZED: "running", DELETE: "terminating" } },
    running: { on: { DELETE: "terminating" } },
    terminating: { on: { STOPPED: "terminated" } },
    terminated: { type: "final" },
  },
});

export type PodPhaseState = "pending" | "initializing" | "running" | "terminating" | "terminated";
export type PodLifecycleEvent = { type: "SCHEDULED" | "INITIALIZED" | "DELETE" | "STOPPED" };

export function startPodLifecycle() {
  const actor = createActor(podLifecycle);
  actor.start();
  return {
    send: (event: PodLifecycleEvent) => actor.send(event),
    state: () => actor.getSnapshot().value as PodPhaseState,
    stop: () => actor.stop(),
  };
}
