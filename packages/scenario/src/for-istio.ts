// A scenario as it runs on one Istio release: that release, and each step's expectations for it
// (`expectIstio:` when the step has some for the release, else its `expect:`).
import type { IstioVersion } from "@testbed/cluster";
import type { Scenario, Step } from "./model.js";

export function forIstio(scenario: Scenario, istio: IstioVersion): Scenario {
  const resolve = (step: Step): Step => ({ ...step, expect: step.expectByIstio?.[istio] ?? step.expect });
  return { ...scenario, istio, setup: scenario.setup.map(resolve), steps: scenario.steps.map(resolve) };
}
