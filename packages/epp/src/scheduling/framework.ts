// The scheduling framework of the Endpoint Picker (GIE's pkg/epp/scheduling/framework, with llm-d's
// additions): a profile handler decides which scheduling profiles run; each profile filters the
// candidate endpoints, scores them with weighted scorers (Σ weight × score, each score in [0, 1])
// and lets a picker choose; pre-request plugins then act on the result (set headers, record
// prefixes). A plugin is whichever of these interfaces its object implements.
import type { SeededRandom } from "@testbed/common";
import type { Endpoint } from "../datastore/endpoint.js";

/** What the scheduler knows of one inference request. */
export interface InferenceRequest {
  requestId: string;
  /** The `model` field of the body. */
  targetModel: string;
  headers: Record<string, string>;
  /** The parsed JSON body. */
  body: Record<string, unknown>;
  /** Text the approximate prefix index hashes: the chat messages as JSON, or the completion prompt. */
  prompt: string;
}

/** Data plugins share within one scheduling cycle (for example the prefix matches per endpoint). */
export class CycleState {
  private readonly values = new Map<string, unknown>();
  read<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  write(key: string, value: unknown): void {
    this.values.set(key, value);
  }
}

/** What plugins get from the EPP: seeded randomness, time, and a way to report decisions to metrics. */
export interface PluginContext {
  random: SeededRandom;
  now: () => number;
  events?: {
    pdDecision(model: string, decision: "decode-only" | "prefill-decode"): void;
  };
}

export interface Plugin {
  readonly type: string;
  readonly name: string;
}

export interface Filter extends Plugin {
  filter(cycle: CycleState, request: InferenceRequest, endpoints: Endpoint[]): Endpoint[];
}

export interface Scorer extends Plugin {
  score(cycle: CycleState, request: InferenceRequest, endpoints: Endpoint[]): Map<Endpoint, number>;
}

export interface ScoredEndpoint {
  endpoint: Endpoint;
  score: number;
}

export interface ProfileRunResult {
  targetEndpoints: Endpoint[];
}

export interface Picker extends Plugin {
  pick(cycle: CycleState, scored: ScoredEndpoint[]): ProfileRunResult;
}

/** A scheduling profile: its filters, weighted scorers and picker, in config order. */
export interface SchedulingProfile {
  name: string;
  filters: Filter[];
  scorers: Array<{ scorer: Scorer; weight: number }>;
  picker: Picker;
}

export type ProfileResults = Record<string, ProfileRunResult | null>;

export interface SchedulingResult {
  profileResults: ProfileResults;
  primaryProfileName: string;
}

export interface ProfileHandler extends Plugin {
  /** Profiles to run next, given the results so far; an empty map ends the cycle. */
  pick(
    cycle: CycleState,
    request: InferenceRequest,
    profiles: ReadonlyMap<string, SchedulingProfile>,
    results: ProfileResults,
  ): SchedulingProfile[];
  processResults(cycle: CycleState, request: InferenceRequest, results: ProfileResults): SchedulingResult;
}

/** Runs after scheduling, before the request goes upstream: headers to add, indexes to update. */
export interface PreRequest extends Plugin {
  preRequest(request: InferenceRequest, result: SchedulingResult, headers: Record<string, string>): void;
}

/** Runs when the response headers come back through the EPP. */
export interface ResponseHeadersPlugin extends Plugin {
  onResponseHeaders(request: InferenceRequest, served: Endpoint | undefined, headers: Record<string, string>): void;
}

export const isFilter = (plugin: Plugin): plugin is Filter => typeof (plugin as Filter).filter === "function";
export const isScorer = (plugin: Plugin): plugin is Scorer => typeof (plugin as Scorer).score === "function";
export const isPicker = (plugin: Plugin): plugin is Picker =>
  typeof (plugin as Picker).pick === "function" && !isProfileHandler(plugin);
export const isProfileHandler = (plugin: Plugin): plugin is ProfileHandler =>
  typeof (plugin as ProfileHandler).processResults === "function";
export const isPreRequest = (plugin: Plugin): plugin is PreRequest =>
  typeof (plugin as PreRequest).preRequest === "function";
export const isResponseHeadersPlugin = (plugin: Plugin): plugin is ResponseHeadersPlugin =>
  typeof (plugin as ResponseHeadersPlugin).onResponseHeaders === "function";
