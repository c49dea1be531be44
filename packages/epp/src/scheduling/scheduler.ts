import { type Clock, systemClock } from "@testbed/common";
import type { FilterStep, ProfileRun } from "@testbed/trace";
import { type Endpoint, hostPort } from "../datastore/endpoint.js";
import type { SchedulerConfig } from "./config/endpoint-picker-config.js";
import {
  CycleState,
  type InferenceRequest,
  type Plugin,
  type ProfileResults,
  type SchedulingProfile,
  type SchedulingResult,
  type ScoredEndpoint,
} from "./framework.js";

/** One profile's run in a cycle: each candidate's scores and what the picker chose. */
export interface ProfileTrace {
  profile: string;
  /** Per candidate: each scorer's raw score and the weighted total. */
  candidates: Array<{ endpoint: string; scores: Record<string, number>; total: number }>;
  picked: string[];
}

export interface SchedulingOutcome {
  result: SchedulingResult;
  trace: ProfileTrace[];
}

/** The extension points a scheduling cycle times. */
export type TimedExtensionPoint = "Filter" | "Scorer" | "Picker";

/**
 * Timing hook for inference_extension_plugin_duration_seconds: the observer of one plugin's runs at
 * one extension point, asked for once per plugin and point (its histogram child, made once).
 */
export type PluginTimer = (
  extensionPoint: TimedExtensionPoint,
  pluginType: string,
  pluginName: string,
) => (seconds: number) => void;

const untimed = () => {};

/**
 * One scheduling cycle: ask the profile handler which profiles to run, run each (filters, then
 * weighted scorers, then the picker), repeat until the handler is done, and let it name the
 * primary result. Records every candidate's per-scorer scores so a decision can be explained.
 */
export class Scheduler {
  /** Each plugin's observer per extension point, keyed by the plugin object the profiles hold. */
  private readonly observers: Record<TimedExtensionPoint, Map<Plugin, (seconds: number) => void>> = {
    Filter: new Map(),
    Scorer: new Map(),
    Picker: new Map(),
  };

  constructor(
    private readonly config: SchedulerConfig,
    private readonly pluginTimer: PluginTimer = () => untimed,
    /** Times each plugin; on a simulated clock a plugin takes no time. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * `explain` records every candidate's scores (for the decision log); it costs time, so only when logging.
   * `runs`, when given, receives each profile's run for the routing trace (filters, weighted scores, pick).
   */
  schedule(request: InferenceRequest, candidates: Endpoint[], explain = true, runs?: ProfileRun[]): SchedulingOutcome {
    const cycle = new CycleState();
    const results: ProfileResults = {};
    const trace: ProfileTrace[] = [];
    const handler = this.config.profileHandler;
    for (let round = 0; round < 10; round++) {
      const next = handler.pick(cycle, request, this.config.profiles, results);
      if (next.length === 0) break;
      for (const profile of next) {
        const { picked, profileTrace } = this.runProfile(profile, cycle, request, candidates, explain, runs);
        results[profile.name] = picked.length > 0 ? { targetEndpoints: picked } : null;
        if (profileTrace) trace.push(profileTrace);
      }
    }
    return { result: handler.processResults(cycle, request, results), trace };
  }

  private runProfile(
    profile: SchedulingProfile,
    cycle: CycleState,
    request: InferenceRequest,
    candidates: Endpoint[],
    explain: boolean,
    runs?: ProfileRun[],
  ) {
    let endpoints = candidates;
    const filterSteps: FilterStep[] | undefined = runs && [];
    for (const filter of profile.filters) {
      const started = this.clock.monotonicNow();
      endpoints = filter.filter(cycle, request, endpoints);
      this.took("Filter", filter, started);
      filterSteps?.push({ name: filter.name, type: filter.type, remaining: endpoints.map(podName) });
    }
    const perScorer: Record<string, Map<Endpoint, number>> = {};
    for (const { scorer } of profile.scorers) {
      const started = this.clock.monotonicNow();
      perScorer[scorer.name] = scorer.score(cycle, request, endpoints);
      this.took("Scorer", scorer, started);
    }
    // Each scorer's weight beside its scores, looked up once per profile rather than per endpoint.
    const weighted = profile.scorers.map(({ scorer, weight }) => ({ weight, scores: perScorer[scorer.name] }));
    const scored: ScoredEndpoint[] = endpoints.map((endpoint) => {
      let total = 0;
      for (const { weight, scores } of weighted) total += weight * clamp(scores?.get(endpoint) ?? 0);
      return { endpoint, score: total };
    });
    let picked: Endpoint[] = [];
    if (endpoints.length > 0) {
      const started = this.clock.monotonicNow();
      picked = profile.picker.pick(cycle, scored).targetEndpoints;
      this.took("Picker", profile.picker, started);
    }
    if (runs && filterSteps) runs.push(profileRun(profile, candidates, filterSteps, perScorer, scored, picked));
    if (!explain) return { picked, profileTrace: undefined };
    const profileTrace: ProfileTrace = {
      profile: profile.name,
      candidates: scored.map(({ endpoint, score }) => ({
        endpoint: hostPort(endpoint),
        scores: Object.fromEntries(
          Object.entries(perScorer).map(([name, scores]) => [name, round3(scores.get(endpoint) ?? 0)]),
        ),
        total: round3(score),
      })),
      picked: picked.map(hostPort),
    };
    return { picked, profileTrace };
  }

  /** Reports a plugin's run that began at `started` (timed inline: no closure per plugin per request). */
  private took(point: TimedExtensionPoint, plugin: Plugin, started: number): void {
    let observe = this.observers[point].get(plugin);
    if (!observe) {
      observe = this.pluginTimer(point, plugin.type, plugin.name);
      this.observers[point].set(plugin, observe);
    }
    observe((this.clock.monotonicNow() - started) / 1000);
  }
}

/** Each endpoint's pod name, made once: the routing trace names every candidate of every request. */
const podNames = new WeakMap<Endpoint, string>();

/** A pod as the routing trace names it: its name (namespace/name → name), else its address. */
export function podName(endpoint: Endpoint): string {
  let name = podNames.get(endpoint);
  if (name === undefined) {
    const slash = endpoint.namespacedName.indexOf("/");
    name = slash >= 0 ? endpoint.namespacedName.slice(slash + 1) : endpoint.namespacedName || hostPort(endpoint);
    podNames.set(endpoint, name);
  }
  return name;
}

/** Pods whose scores one profile run keeps in the routing trace. */
const MAX_TRACED_PODS = 32;

/**
 * One profile's run for the routing trace: candidates, what each filter left, each scorer's weighted
 * scores, the pick. The scores and totals are worked out when first read — by /debug/traces'
 * JSON.stringify, a spread or Object.entries alike — not on every request: with 64 pods they are
 * four 32-key records per request, nearly all of which the ring drops unread. What they are built
 * from (this cycle's score maps and scored list) is never changed after the cycle.
 */
function profileRun(
  profile: SchedulingProfile,
  candidates: Endpoint[],
  filters: ProfileRun["filters"],
  perScorer: Record<string, Map<Endpoint, number>>,
  scored: ScoredEndpoint[],
  picked: Endpoint[],
): ProfileRun {
  let scores: Pick<ProfileRun, "scorers" | "totals"> | undefined;
  const scoresNow = () => {
    scores ??= traceScores(profile, perScorer, scored, picked);
    return scores;
  };
  const omitted = candidates.length - MAX_TRACED_PODS * 4;
  // Getters in a literal are enumerable own properties in their place: JSON and a spread read them.
  return {
    name: profile.name,
    candidates: candidates.slice(0, MAX_TRACED_PODS * 4).map(podName),
    ...(omitted > 0 ? { candidatesOmitted: omitted } : {}),
    filters,
    get scorers() {
      return scoresNow().scorers;
    },
    get totals() {
      return scoresNow().totals;
    },
    picker: profile.picker.type,
    picked: picked.map(podName),
  };
}

/** Each scorer's clamped scores and the weighted totals, per shown pod (3 decimals). */
function traceScores(
  profile: SchedulingProfile,
  perScorer: Record<string, Map<Endpoint, number>>,
  scored: ScoredEndpoint[],
  picked: Endpoint[],
): Pick<ProfileRun, "scorers" | "totals"> {
  // A big pool keeps the ring small: the best-scored pods (and the pick) carry their scores.
  const shown =
    scored.length <= MAX_TRACED_PODS
      ? scored
      : [...scored]
          .sort((a, b) => b.score - a.score)
          .filter((entry, index) => index < MAX_TRACED_PODS || picked.includes(entry.endpoint));
  // Each shown pod's name once, not once per scorer.
  const names = shown.map(({ endpoint }) => podName(endpoint));
  const byPod = (score: (entry: ScoredEndpoint) => number) => {
    const scores: Record<string, number> = {};
    for (let i = 0; i < shown.length; i++) scores[names[i] as string] = round3(score(shown[i] as ScoredEndpoint));
    return scores;
  };
  return {
    scorers: profile.scorers.map(({ scorer, weight }) => {
      const scores = perScorer[scorer.name];
      return {
        name: scorer.name,
        type: scorer.type,
        weight,
        scores: byPod(({ endpoint }) => clamp(scores?.get(endpoint) ?? 0)),
      };
    }),
    totals: byPod(({ score }) => score),
  };
}

function clamp(score: number): number {
  return Math.min(1, Math.max(0, score));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
