// `phase:` records the last load run in the seed's vocabulary; `table: before-after` prints them all.
import type { Action } from "../model.js";
import { cacheHitsText, distributionText, eppStatus } from "../phase.js";
import type { PhaseRecord } from "../results.js";
import { type RunContext, StepError } from "../run-context.js";
import type { StepOutcome } from "./step-outcome.js";

export function runPhase(context: RunContext, action: Extract<Action, { kind: "phase" }>): StepOutcome {
  const load = context.lastLoad;
  if (!load) throw new StepError("no load step ran before this phase");
  const record: PhaseRecord = {
    name: action.name,
    distribution: distributionText(load, action.form),
    cacheHits: cacheHitsText(load),
    epp: eppStatus(load),
    seed: action.seed,
  };
  context.phases.push(record);
  const seed = Object.values(action.seed).some((value) => value !== undefined)
    ? `\nseed: ${action.seed.distribution ?? "—"}, cache hits ${action.seed.cacheHits ?? "—"}, EPP ${action.seed.epp ?? "—"}`
    : "";
  return {
    action: `record phase "${action.name}"`,
    output: `measured: ${record.distribution}, cache hits ${record.cacheHits}, EPP ${record.epp}${seed}`,
    expectations: [],
    measurements: { phase: record },
  };
}

export function runTable(context: RunContext): StepOutcome {
  return { action: "Before and After", output: beforeAfterTable(context.phases), expectations: [] };
}

const HEADER = [
  "Phase",
  "Pod distribution (measured)",
  "Seed",
  "Cache hits (measured)",
  "Seed",
  "EPP status (measured)",
  "Seed",
];

/** The seed's "Before and After" table, measured beside the seed's own figures. */
export function beforeAfterTable(phases: PhaseRecord[]): string {
  const rows = phases.map((phase) => [
    phase.name,
    phase.distribution,
    phase.seed.distribution ?? "—",
    phase.cacheHits,
    phase.seed.cacheHits ?? "—",
    phase.epp,
    phase.seed.epp ?? "—",
  ]);
  const widths = HEADER.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  const rule = `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`;
  return [line(HEADER), rule, ...rows.map(line)].join("\n");
}
