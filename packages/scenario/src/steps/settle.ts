/**
 * After a change, wait as a participant would: until the control plane stops writing (pods rolled,
 * gateway config republished) and the cluster is Ready again.
 */
import type { ObjectStore, TestbedHandle } from "@testbed/cluster";

const QUIET_MS = 150;
const MAX_QUIET_WAIT_MS = 5_000;

/** Resolves with why the cluster is not ready, or undefined when it is. */
export async function settle(testbed: TestbedHandle, timeoutMs = 30_000): Promise<string | undefined> {
  await quiet(testbed.store, QUIET_MS);
  try {
    await testbed.waitUntilReady(timeoutMs);
  } catch (error) {
    return (error as Error).message;
  }
  // Readiness triggers the gateways' republish; let that finish too.
  await quiet(testbed.store, QUIET_MS);
  return undefined;
}

/** Resolves once the store has seen no change for `quietMs` (or after MAX_QUIET_WAIT_MS). */
export function quiet(store: ObjectStore, quietMs = QUIET_MS): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    let timer: NodeJS.Timeout;
    const done = () => {
      unwatch();
      resolve();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(done, Math.max(0, Math.min(quietMs, MAX_QUIET_WAIT_MS - (Date.now() - started))));
    };
    const unwatch = store.watch(arm);
    arm();
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
