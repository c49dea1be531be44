// `apply`, `patch`, `delete`, `oc` and `exec`: the real `testbed oc`, output captured.

import { readyPods } from "../checks/cluster-checks.js";
import { checkOutput } from "../checks/output-checks.js";
import { joinCommandLine } from "../command-line.js";
import type { Action, Expectations } from "../model.js";
import type { OcOutcome } from "../oc-runner.js";
import { type RunContext, StepError } from "../run-context.js";
import { settle } from "./settle.js";
import type { StepOutcome } from "./step-outcome.js";

type ActionOf<K extends Action["kind"]> = Extract<Action, { kind: K }>;

/** A change that fails is a broken scenario step, so `exitCode: 0` is implied unless stated. */
const IMPLIED_SUCCESS: Expectations = { exitCode: 0 };

export async function runApply(context: RunContext, action: ActionOf<"apply">, expect: Expectations) {
  const outcome = await context.oc(["apply", "-f", action.resolved]);
  return changeOutcome(context, `oc apply -f ${action.file}`, outcome, action.settle, expect);
}

export async function runPatch(context: RunContext, action: ActionOf<"patch">, expect: Expectations) {
  const namespace = action.namespace ? ["-n", action.namespace] : [];
  const argv = ["patch", action.resource, ...namespace, `--type=${action.type}`];
  const shownPatch = action.source === "inline" ? `'${action.patch}'` : `"$(cat ${action.source})"`;
  const outcome = await context.oc([...argv, "-p", action.patch]);
  return changeOutcome(context, `oc ${joinCommandLine(argv)} -p ${shownPatch}`, outcome, action.settle, expect);
}

export async function runDelete(context: RunContext, action: ActionOf<"delete">, expect: Expectations) {
  const namespace = action.namespace ? ["-n", action.namespace] : [];
  const what = action.file ? ["-f", action.file] : [action.resource!];
  const outcome = await context.oc(["delete", ...(action.resolved ? ["-f", action.resolved] : what), ...namespace]);
  return changeOutcome(
    context,
    `oc ${joinCommandLine(["delete", ...what, ...namespace])}`,
    outcome,
    action.settle,
    expect,
  );
}

async function changeOutcome(
  context: RunContext,
  action: string,
  outcome: OcOutcome,
  wait: boolean,
  expect: Expectations,
): Promise<StepOutcome> {
  let output = combined(outcome);
  if (wait && outcome.code === 0) {
    const notReady = await settle(context.testbed);
    if (notReady) output += `\n(the cluster did not become ready: ${notReady})`;
  }
  const checks = { ...(expect.exitCode === undefined ? IMPLIED_SUCCESS : {}), ...expect };
  return { action, output, expectations: checkOutput(checks, outcome.code, outcome.out) };
}

export async function runOcStep(context: RunContext, action: ActionOf<"oc">, expect: Expectations) {
  const outcome = await context.oc(action.argv);
  const stdout = action.grep ? grepLines(outcome.out, action.grep) : outcome.out;
  const grep = action.grep ? ` | grep -E '${action.grep.source}'` : "";
  return {
    action: `oc ${joinCommandLine(action.argv)}${grep}`,
    output: combined({ ...outcome, out: stdout }),
    expectations: checkOutput(expect, outcome.code, stdout),
  };
}

/** `oc exec` in the first Ready pod the selector matches (the named pod; with `allPods`, each of them). */
export async function runExec(context: RunContext, action: ActionOf<"exec">, expect: Expectations) {
  const matching = action.pod ? [action.pod] : readyPods(context, action.namespace, action.selector!).map(podName);
  if (matching.length === 0) throw new StepError(`no Ready pod in ${action.namespace} matches ${action.selector}`);
  const pods = action.allPods ? matching : matching.slice(0, 1);
  const container = action.container ? ["-c", action.container] : [];
  const grep = action.grep ? ` | grep -E '${action.grep.source}'` : "";
  const actions: string[] = [];
  const outputs: string[] = [];
  let stdout = "";
  let code = 0;
  for (const pod of pods) {
    const argv = ["exec", "-n", action.namespace, pod, ...container, "--", ...action.command];
    const outcome = await context.oc(argv);
    const out = action.grep ? grepLines(outcome.out, action.grep) : outcome.out;
    actions.push(`oc ${joinCommandLine(argv)}${grep}`);
    outputs.push(combined({ ...outcome, out }));
    stdout += out;
    if (code === 0) code = outcome.code;
  }
  return { action: actions.join("\n"), output: outputs.join("\n"), expectations: checkOutput(expect, code, stdout) };
}

function podName(pod: { metadata: { name: string } }): string {
  return pod.metadata.name;
}

function grepLines(text: string, pattern: RegExp): string {
  const lines = text.split("\n").filter((line) => line !== "" && pattern.test(line));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function combined(outcome: OcOutcome): string {
  return [outcome.out.trimEnd(), outcome.err.trimEnd()].filter((text) => text !== "").join("\n");
}
