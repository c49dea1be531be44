// `wait:` for the cluster to be ready, to settle, or for a pod to stop being Ready (a container killed).
import { matchingPods, readyPods } from "../checks/cluster-checks.js";
import type { Action } from "../model.js";
import { type RunContext, StepError } from "../run-context.js";
import { quiet, settle } from "./settle.js";
import type { StepOutcome } from "./step-outcome.js";

type WaitAction = Extract<Action, { kind: "wait" }>;

export async function runWait(context: RunContext, action: WaitAction): Promise<StepOutcome> {
  const timeoutMs = action.timeoutSeconds * 1000;
  if (action.for === "ready") {
    const notReady = await settle(context.testbed, timeoutMs);
    if (notReady) throw new StepError(notReady);
    return { action: "wait until every pod is Ready and every Gateway programmed", expectations: [] };
  }
  if (action.for === "settled") {
    await quiet(context.testbed.store, context.testbed.options.clock);
    return { action: "wait until the control plane has settled", expectations: [] };
  }
  const namespace = action.namespace!;
  const selector = action.selector!;
  const clock = context.testbed.options.clock;
  const deadline = clock.now() + timeoutMs;
  const allReady = () => {
    const pods = matchingPods(context, namespace, selector);
    return pods.length > 0 && readyPods(context, namespace, selector).length === pods.length;
  };
  while (allReady()) {
    if (clock.now() > deadline)
      throw new StepError(`every pod matching ${selector} still Ready after ${action.timeoutSeconds} s`);
    await clock.sleep(20);
  }
  return { action: `wait until a pod in ${namespace} matching ${selector} is not Ready`, expectations: [] };
}
