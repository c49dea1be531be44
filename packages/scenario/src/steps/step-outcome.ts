// What an executor returns for one step (the runner adds the title, checks and errors).
import type { ExpectationResult } from "../results.js";

export interface StepOutcome {
  action?: string;
  output?: string;
  expectations: ExpectationResult[];
  measurements?: Record<string, unknown>;
  /** Wall-clock figures of the step (load throughput), kept out of the deterministic report. */
  timings?: Record<string, number>;
}
