// After a change, wait as a participant would: until the control plane stops writing (pods rolled,
// gateway config republished) and the cluster is Ready again. Every wait runs on the testbed's clock.
import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore, TestbedHandle } from "@testbed/cluster";
import type { Clock, TimerHandle } from "@testbed/common";

const QUIET_MS = 150;
const MAX_QUIET_WAIT_MS = 5_000;

/** Resolves with why the cluster is not ready, or undefined when it is. */
export async function settle(testbed: TestbedHandle, timeoutMs = 30_000): Promise<string | undefined> {
  const clock = testbed.options.clock;
  await quiet(testbed.store, clock, QUIET_MS);
  try {
    await testbed.waitUntilReady(timeoutMs);
  } catch (error) {
    return (error as Error).message;
  }
  // Readiness triggers the gateways' republish; let that finish too.
  await quiet(testbed.store, clock, QUIET_MS);
  return undefined;
}

/** Waiting reasons of a container that will not become Ready on its own. */
const STUCK_REASONS = new Set(["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError"]);

/**
 * A pod that has come as far as it will: Ready, finished, unschedulable, or with a container that
 * crashed at least once or cannot start — the state a broken cluster is met in.
 */
function podSteady(pod: KubeObject): boolean {
  const status = pod.status ?? {};
  if (status.phase === "Succeeded" || status.phase === "Failed") return true;
  const conditions = (status.conditions ?? []) as Array<{ type: string; status: string }>;
  if (conditions.some((c) => c.type === "Ready" && c.status === "True")) return true;
  if (conditions.some((c) => c.type === "PodScheduled" && c.status === "False")) return true;
  const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])] as Array<{
    restartCount?: number;
    state?: { waiting?: { reason?: string } };
  }>;
  return containers.some((c) => (c.restartCount ?? 0) > 0 || STUCK_REASONS.has(c.state?.waiting?.reason ?? ""));
}

/**
 * Wait for a cluster that may never be Ready (`readiness: settled`): until every pod is steady (see
 * podSteady) and the control plane is quiet, or the timeout; resolves with the pods that are not.
 */
export async function steady(testbed: TestbedHandle, timeoutMs = 30_000): Promise<string[]> {
  const clock = testbed.options.clock;
  const deadline = clock.monotonicNow() + timeoutMs;
  await quiet(testbed.store, clock, QUIET_MS);
  let pending = unsteadyPods(testbed.store);
  while (pending.length > 0 && clock.monotonicNow() < deadline) {
    await clock.sleep(50);
    pending = unsteadyPods(testbed.store);
  }
  await quiet(testbed.store, clock, QUIET_MS);
  return pending;
}

function unsteadyPods(store: ObjectStore): string[] {
  return store
    .peekList("Pod")
    .filter((pod) => !pod.metadata.deletionTimestamp && !podSteady(pod))
    .map((pod) => `${pod.metadata.namespace}/${pod.metadata.name}`);
}

/** Resolves once the store has seen no change for `quietMs` (or after MAX_QUIET_WAIT_MS). */
export function quiet(store: ObjectStore, clock: Clock, quietMs = QUIET_MS): Promise<void> {
  return new Promise((resolve) => {
    const started = clock.now();
    let timer: TimerHandle | undefined;
    const done = () => {
      unwatch();
      resolve();
    };
    const arm = () => {
      if (timer) clock.clearTimeout(timer);
      timer = clock.setTimeout(done, Math.max(0, Math.min(quietMs, MAX_QUIET_WAIT_MS - (clock.now() - started))));
    };
    const unwatch = store.watch(arm);
    arm();
  });
}
