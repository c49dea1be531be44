// What a run produced: per step, the action, its output, each expectation and the measurements.

export interface ExpectationResult {
  /** What was checked, e.g. `status`, `distribution.decode.maxPodShare`, `clusters cx_total`. */
  check: string;
  expected: string;
  measured: string;
  ok: boolean;
}

export interface StepResult {
  /** 1-based position among the steps (setup steps are numbered within the setup). */
  index: number;
  kind: string;
  title: string;
  note?: string;
  /** The command or action, as a participant would type or read it. */
  action?: string;
  output?: string;
  expectations: ExpectationResult[];
  /** Deterministic figures (counts, shares, rates); wall-clock durations go to `timings`. */
  measurements?: Record<string, unknown>;
  /** The step could not be carried out (no pod matched, connection refused, …). */
  error?: string;
  ok: boolean;
}

export interface PhaseRecord {
  name: string;
  distribution: string;
  cacheHits: string;
  epp: string;
  seed: { distribution?: string; cacheHits?: string; epp?: string };
}

export interface ScenarioReport {
  scenario: { name: string; title: string; file: string; seed: number; timeScale: number; istio: string };
  setup: StepResult[];
  steps: StepResult[];
  phases: PhaseRecord[];
  summary: { steps: number; expectations: number; held: number; failed: number; errors: number; ok: boolean };
  timings: {
    startupMs: number;
    totalMs: number;
    setupMs: number[];
    stepsMs: number[];
    /** Per load step (by step number): durationMs, requestsPerSecond. */
    load?: Record<string, Record<string, number>>;
  };
}

export function stepOk(result: Pick<StepResult, "error" | "expectations">): boolean {
  return result.error === undefined && result.expectations.every((expectation) => expectation.ok);
}
