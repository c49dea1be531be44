// Checks on pods as a participant reads them: `oc get pods` (STATUS, RESTARTS, READY), `oc logs` of a
// pod that may be crash-looping, and `oc get events` — so a scenario can start from a broken cluster
// and assert its symptom (CrashLoopBackOff, "No available memory for the cache blocks", FailedScheduling).
import { joinCommandLine } from "../command-line.js";
import type { EventCheck, LogsCheck, PodCheck } from "../model.js";
import { type RunContext, StepError } from "../run-context.js";
import type { CheckOutcome } from "./cluster-checks.js";
import { matchingPods } from "./cluster-checks.js";
import { checkOutput } from "./output-checks.js";
import { inRange, rangeText } from "./range.js";

/** One row of `oc get pods`: the columns a participant reads. */
interface PodRow {
  name: string;
  ready: string;
  status: string;
  restarts: number;
}

/** `oc get pods -n NS -l SELECTOR`, read column by column as printed. */
async function podRows(context: RunContext, check: PodCheck): Promise<{ argv: string[]; out: string; rows: PodRow[] }> {
  const argv = ["get", "pods", "-n", check.namespace, "-l", check.selector];
  const result = await context.oc(argv);
  if (result.code !== 0) throw new StepError(`oc ${joinCommandLine(argv)} failed: ${result.err.trim()}`);
  const [header, ...lines] = result.out.split("\n").filter((line) => line.trim() !== "");
  const columns = (header ?? "").split(/\s{2,}/);
  const at = (name: string) => columns.indexOf(name);
  const rows = lines.map((line) => {
    const cells = line.split(/\s{2,}/);
    return {
      name: cells[at("NAME")] ?? "",
      ready: cells[at("READY")] ?? "",
      status: cells[at("STATUS")] ?? "",
      restarts: Number.parseInt(cells[at("RESTARTS")] ?? "0", 10),
    };
  });
  return { argv, out: result.out, rows };
}

export async function checkPods(context: RunContext, check: PodCheck): Promise<CheckOutcome[]> {
  const { argv, out, rows } = await podRows(context, check);
  const action = `oc ${joinCommandLine(argv)}`;
  const shown = (format: (row: PodRow) => string) => rows.map((row) => `${row.name} ${format(row)}`).join(", ");
  const outcome = (check: string, expected: string, measured: string, ok: boolean): CheckOutcome => ({
    action,
    output: out.trimEnd(),
    result: { check, expected, measured, ok },
  });
  const outcomes: CheckOutcome[] = [];
  if (check.count) {
    outcomes.push(outcome("pod count", rangeText(check.count), String(rows.length), inRange(rows.length, check.count)));
  }
  const every = rows.length > 0;
  if (check.status) {
    const ok = every && rows.every((row) => check.status?.includes(row.status));
    outcomes.push(outcome("pod STATUS", check.status.join(" or "), shown((row) => row.status) || "no pods", ok));
  }
  if (check.restarts) {
    const range = check.restarts;
    const ok = every && rows.every((row) => inRange(row.restarts, range));
    outcomes.push(outcome("pod RESTARTS", rangeText(range), shown((row) => String(row.restarts)) || "no pods", ok));
  }
  if (check.ready !== undefined) {
    const isReady = (row: PodRow) => {
      const [up, all] = row.ready.split("/");
      return up === all && all !== "0";
    };
    const ok = every && rows.every((row) => isReady(row) === check.ready);
    outcomes.push(
      outcome(
        "pod READY",
        check.ready ? "all containers" : "not all containers",
        shown((r) => r.ready),
        ok,
      ),
    );
  }
  return outcomes;
}

/** `oc logs` of the first matching pod (whatever its state: a crashing container's log is the evidence). */
export async function checkLogs(context: RunContext, check: LogsCheck): Promise<CheckOutcome[]> {
  const pod = matchingPods(context, check.namespace, check.selector)[0];
  if (!pod) throw new StepError(`no pod in ${check.namespace} matches ${check.selector}`);
  const argv = ["logs", pod.metadata.name, "-n", check.namespace, ...(check.container ? ["-c", check.container] : [])];
  const result = await context.oc(argv);
  const output = `${result.out}${result.err}`;
  const checks = checkOutput(
    { contains: check.contains, notContains: check.notContains, matches: check.matches },
    result.code,
    output,
  );
  return checks.map((expectation) => ({
    action: `oc ${joinCommandLine(argv)}`,
    output: output.trimEnd().split("\n").slice(-20).join("\n"),
    result: { ...expectation, check: `logs ${expectation.check}` },
  }));
}

/** An event with the reason (and each text) among `oc get events -n NS`. */
export async function checkEvent(context: RunContext, check: EventCheck): Promise<CheckOutcome> {
  const argv = ["get", "events", "-n", check.namespace];
  const result = await context.oc(argv);
  const lines = result.out.split("\n").filter((line) => line.split(/\s{2,}/).includes(check.reason));
  const matching = lines.filter((line) => (check.contains ?? []).every((text) => line.includes(text)));
  const expected = [check.reason, ...(check.contains ?? []).map((text) => JSON.stringify(text))].join(" with ");
  return {
    action: `oc ${joinCommandLine(argv)} | grep ${check.reason}`,
    output: lines.join("\n"),
    result: { check: "event", expected, measured: matching[0]?.trim() ?? "none", ok: matching.length > 0 },
  };
}
