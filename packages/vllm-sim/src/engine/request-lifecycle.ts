import { createActor, setup } from "xstate";

/**
 * The life of one request inside the engine, as vLLM v1's RequestStatus moves:
 * WAITING → RUNNING (prefill, then decode) → FINISHED, with PREEMPTED sending it back to wait and
 * be recomputed, and ABORTED when the client goes away. A decode pod serving a disaggregated
 * request first waits for the prompt's KV to arrive from the prefill pod (WAITING_FOR_REMOTE_KVS).
 */
export const requestLifecycle = setup({
  types: {
    events: {} as
      | { type: "SCHEDULE" }
      | { type: "AWAIT_REMOTE_KV" }
      | { type: "REMOTE_KV_RECEIVED" }
      | { type: "FIRST_TOKEN" }
      | { type: "PREEMPT" }
      | { type: "FINISH" }
      | { type: "ABORT" },
  },
}).createMachine({
  id: "request",
  initial: "waiting",
  states: {
    waiting: {
      on: { SCHEDULE: "prefilling", AWAIT_REMOTE_KV: "awaitingRemoteKv", ABORT: "aborted" },
    },
    awaitingRemoteKv: {
      on: { REMOTE_KV_RECEIVED: "prefilling", PREEMPT: "waiting", ABORT: "aborted" },
    },
    prefilling: {
      on: { FIRST_TOKEN: "decoding", PREEMPT: "waiting", ABORT: "aborted" },
    },
    decoding: {
      on: { FINISH: "finished", PREEMPT: "waiting", ABORT: "aborted" },
    },
    finished: { type: "final" },
    aborted: { type: "final" },
  },
});

export type RequestPhase = "waiting" | "awaitingRemoteKv" | "prefilling" | "decoding" | "finished" | "aborted";
export type LifecycleEvent = Parameters<ReturnType<typeof createActor<typeof requestLifecycle>>["send"]>[0];

/** A started lifecycle actor that refuses impossible moves loudly: they are engine bugs, not input errors. */
export class RequestLifecycle {
  private readonly actor = createActor(requestLifecycle).start();

  get phase(): RequestPhase {
    return this.actor.getSnapshot().value as RequestPhase;
  }

  get done(): boolean {
    return this.actor.getSnapshot().status === "done";
  }

  send(event: LifecycleEvent): void {
    const snapshot = this.actor.getSnapshot();
    if (!snapshot.can(event)) {
      throw new Error(`request lifecycle: ${event.type} is not allowed while ${String(snapshot.value)}`);
    }
    this.actor.send(event);
  }
}
