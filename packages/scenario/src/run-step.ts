// One step: its action, then any cluster checks of its `expect:`; a failure to act is the step's error.
import { checkClusters, checkEppMetric } from "./checks/cluster-checks.js";
import { checkEvent, checkLogs, checkPods } from "./checks/pod-checks.js";
import type { Step } from "./model.js";
import { type StepResult, stepOk } from "./results.js";
import { type RunContext, StepError } from "./run-context.js";
import { runApply, runDelete, runExec, runOcStep, runPatch } from "./steps/command-steps.js";
import { runLoadStep } from "./steps/load-step.js";
import { runPhase, runTable } from "./steps/phase-steps.js";
import { runRequest } from "./steps/request-step.js";
import type { StepOutcome } from "./steps/step-outcome.js";
import { runWait } from "./steps/wait-step.js";

export async function runStep(
  context: RunContext,
  step: Step,
  index: number,
): Promise<{ result: StepResult; timings?: Record<string, number> }> {
  let outcome: StepOutcome = { expectations: [] };
  let error: string | undefined;
  try {
    outcome = await runAction(context, step, index);
    for (const check of step.expect.clusters ?? []) append(outcome, await checkClusters(context, check));
    for (const check of step.expect.eppMetric ?? []) append(outcome, await checkEppMetric(context, check));
    for (const check of step.expect.pod ?? [])
      for (const each of await checkPods(context, check)) append(outcome, each);
    for (const check of step.expect.logs ?? [])
      for (const each of await checkLogs(context, check)) append(outcome, each);
    for (const check of step.expect.event ?? []) append(outcome, await checkEvent(context, check));
  } catch (failure) {
    if (!(failure instanceof StepError)) throw failure;
    error = failure.message;
  }
  const result: StepResult = {
    index,
    kind: step.action.kind,
    title: step.title ?? defaultTitle(step, outcome),
    note: step.note,
    action: outcome.action,
    output: outcome.output,
    expectations: outcome.expectations,
    measurements: outcome.measurements,
    error,
    ok: stepOk({ error, expectations: outcome.expectations }),
  };
  return { result, timings: outcome.timings };
}

async function runAction(context: RunContext, step: Step, index: number): Promise<StepOutcome> {
  const { action, expect } = step;
  switch (action.kind) {
    case "note":
      return { output: action.text, expectations: [] };
    case "apply":
      return runApply(context, action, expect);
    case "patch":
      return runPatch(context, action, expect);
    case "delete":
      return runDelete(context, action, expect);
    case "wait":
      return runWait(context, action);
    case "pause":
      await context.testbed.options.clock.sleep(action.seconds * 1000);
      return { action: `sleep ${action.seconds}`, expectations: [] };
    case "oc":
      return runOcStep(context, action, expect);
    case "exec":
      return runExec(context, action, expect);
    case "request":
      return runRequest(context, action, expect);
    case "load":
      return runLoadStep(context, action, expect, index);
    case "check":
      return { expectations: [] };
    case "table":
      return runTable(context);
    case "phase":
      return runPhase(context, action);
  }
}

/** A check step shows what it ran; several checks show one after another. */
function append(
  outcome: StepOutcome,
  check: { action: string; output: string; result: StepOutcome["expectations"][number] },
) {
  outcome.action = outcome.action ? `${outcome.action}\n$ ${check.action}` : check.action;
  outcome.output = [outcome.output, check.output].filter((text) => text !== undefined && text !== "").join("\n");
  outcome.expectations.push(check.result);
}

function defaultTitle(step: Step, outcome: StepOutcome): string {
  const { action } = step;
  switch (action.kind) {
    case "note":
      return "Note";
    case "check":
      return `Check: ${outcome.expectations.map((expectation) => expectation.check).join(", ") || "nothing"}`;
    case "phase":
      return `Phase: ${action.name}`;
    case "table":
      return "Before and After";
    case "request":
      return `${action.method} ${action.path || ("url" in action.target ? action.target.url : "/")}`;
    case "exec":
      return `exec ${action.command.join(" ")}`.slice(0, 60);
    case "load":
      return `load: ${action.load.requests} requests, ${action.load.workload.type}`;
    default:
      return (outcome.action ?? action.kind).split("\n")[0]!.slice(0, 60);
  }
}
