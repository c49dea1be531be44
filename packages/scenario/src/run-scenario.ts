// A scenario run: its own testbed in this process (API server on a free port, pods on their own
// subnet), the setup steps, the steps in order, then the testbed closed. Failed expectations do
// not stop the run: later steps often show the consequence.
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { type Clock, systemClock } from "@testbed/common";
import { Agent } from "undici";
import { forIstio } from "./for-istio.js";
import type { Scenario } from "./model.js";
import { ocRunner } from "./oc-runner.js";
import { displayName } from "./parse-scenario.js";
import { ScenarioPaths } from "./repository.js";
import type { ScenarioReport, StepResult } from "./results.js";
import type { RunContext } from "./run-context.js";
import { runStep } from "./run-step.js";
import { steady } from "./steps/settle.js";

export interface RunOptions {
  /** Overrides the scenario's seed / time scale (the command's --seed, --time-scale). */
  seed?: number;
  timeScale?: number;
  /** Third octet of the pods' loopback addresses; concurrent runs need distinct ones. */
  subnet: number;
  /** The testbed's clock, and what the report's timings are read from (the wall clock by default). */
  clock?: Clock;
  /** Called as the run goes, so a terminal shows each step as it finishes. */
  onSetup?(results: StepResult[]): void;
  onStep?(result: StepResult): void;
}

export async function runScenario(asWritten: Scenario, options: RunOptions): Promise<ScenarioReport> {
  const scenario = forIstio(asWritten, asWritten.istio);
  const seed = options.seed ?? scenario.seed;
  const timeScale = options.timeScale ?? scenario.timeScale;
  const clock = options.clock ?? systemClock;
  const started = clock.monotonicNow();
  const testbed = await startTestbed({
    clock,
    topology: scenario.topology,
    istio: scenario.istio,
    timeScale,
    seed,
    apiPort: 0,
    subnet: options.subnet,
    restartBackoffMs: scenario.restartBackoffMs,
    probePeriodMs: 100,
  });
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    await startingPoint(testbed, scenario.readiness);
    const startupMs = clock.monotonicNow() - started;
    const context = runContext(testbed, insecure, seed, new ScenarioPaths(scenario.directory));
    const setup = await runSteps(context, scenario.setup);
    options.onSetup?.(setup.results);
    const steps = await runSteps(context, scenario.steps, options.onStep);
    const all = [...setup.results, ...steps.results];
    const expectations = all.flatMap((result) => result.expectations);
    const held = expectations.filter((expectation) => expectation.ok).length;
    const errors = all.filter((result) => result.error !== undefined).length;
    return {
      scenario: {
        name: scenario.name,
        title: scenario.title,
        file: displayName(scenario.file),
        seed,
        timeScale,
        istio: scenario.istio,
      },
      setup: setup.results,
      steps: steps.results,
      phases: context.phases,
      summary: {
        steps: scenario.steps.length,
        expectations: expectations.length,
        held,
        failed: expectations.length - held,
        errors,
        ok: held === expectations.length && errors === 0,
      },
      timings: {
        startupMs,
        totalMs: clock.monotonicNow() - started,
        setupMs: setup.timings.map((timing) => timing.ms),
        stepsMs: steps.timings.map((timing) => timing.ms),
        ...loadTimings(steps.timings),
      },
    };
  } finally {
    await insecure.close();
    await testbed.close();
  }
}

/**
 * Wait for the state the scenario starts from. `all` must be reached (a scenario for a healthy cluster
 * fails early with why it is not); `settled` waits until every pod is Ready or stuck (crash-looping,
 * unschedulable, no image), so a customer's broken cluster is where the steps begin.
 */
async function startingPoint(testbed: TestbedHandle, readiness: Scenario["readiness"]): Promise<void> {
  if (readiness === "all") await testbed.waitUntilReady(30_000);
  else if (readiness === "settled") await steady(testbed);
}

function runContext(testbed: TestbedHandle, insecure: Agent, seed: number, paths: ScenarioPaths): RunContext {
  return {
    testbed,
    oc: ocRunner(testbed.api.url, paths),
    insecure,
    seed,
    phases: [],
  };
}

interface StepTiming {
  ms: number;
  extra?: Record<string, number>;
}

async function runSteps(context: RunContext, steps: Scenario["steps"], onStep?: (result: StepResult) => void) {
  const results: StepResult[] = [];
  const timings: StepTiming[] = [];
  for (const [position, step] of steps.entries()) {
    const begun = context.testbed.options.clock.monotonicNow();
    const { result, timings: extra } = await runStep(context, step, position + 1);
    timings.push({ ms: context.testbed.options.clock.monotonicNow() - begun, extra });
    results.push(result);
    onStep?.(result);
  }
  return { results, timings };
}

/** Load throughput per load step (by step number): wall-clock, so kept with the other timings. */
function loadTimings(timings: StepTiming[]): { load?: Record<string, Record<string, number>> } {
  const load: Record<string, Record<string, number>> = {};
  timings.forEach((timing, position) => {
    if (timing.extra) load[String(position + 1)] = timing.extra;
  });
  return Object.keys(load).length > 0 ? { load } : {};
}
