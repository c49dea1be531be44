// After a change, wait as a participant would: until the control plane stops writing (pods rolled,
// gateway config republished) and the cluster is Ready again. Every wait runs on the testbed's clock.
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
