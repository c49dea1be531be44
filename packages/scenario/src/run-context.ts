// What the step executors share during one run.
import { gatewayAddress, type TestbedHandle } from "@testbed/cluster";
import type { Agent } from "undici";
import type { Target } from "./model.js";
import type { OcRunner } from "./oc-runner.js";
import type { LoadMeasurement } from "./phase.js";
import type { PhaseRecord } from "./results.js";

export interface RunContext {
  testbed: TestbedHandle;
  oc: OcRunner;
  seed: number;
  /** Requests to gateways skip certificate verification, like `curl -k`. */
  insecure: Agent;
  /** The last `load:` step's figures, for `phase:`. */
  lastLoad?: LoadMeasurement;
  phases: PhaseRecord[];
}

export class StepError extends Error {}

/** `https://<Gateway status address><path>`, or the target's own URL. */
export function targetUrl(context: RunContext, target: Target, path: string): string {
  if ("url" in target) return `${target.url}${path}`;
  const gateway = context.testbed.store.get("gateway.networking.k8s.io/Gateway", target.namespace, target.gateway);
  if (!gateway) throw new StepError(`gateway ${target.namespace}/${target.gateway} not found`);
  const address = gatewayAddress(gateway);
  if (!address) throw new StepError(`gateway ${target.namespace}/${target.gateway} has no address yet`);
  return `https://${address}${path}`;
}
