// A parsed, validated scenario: what `scenarios/README.md` ("Format") describes, with defaults filled in.
import type { IstioVersion } from "@testbed/cluster";

export interface Scenario {
  name: string;
  title: string;
  description: string;
  /** The file it came from (for messages). */
  file: string;
  /** The folder the file is in: its paths resolve there first (a case folder), then in the repository. */
  directory: string;
  /** The topology's manifests: absolute directories or files, applied at start as one batch. */
  topology: string[];
  /** The Istio release the cluster's mesh behaves as (`istio: "1.27"`; default 1.26). */
  istio: IstioVersion;
  /** `istio: [1.26, 1.28]`: run once per release, each on its own testbed, and compare them in a table. */
  matrix: IstioVersion[] | undefined;
  seed: number;
  timeScale: number;
  /** Kubelet back-off before restarting a crashed container (CrashLoopBackOff); default 0.2 s. */
  restartBackoffMs: number;
  /**
   * What the run waits for before the first step: `all` (every pod Ready, every Gateway programmed),
   * `settled` (the control plane stopped writing, pods crashing or not), `none` (start at once).
   */
  readiness: "all" | "settled" | "none";
  setup: Step[];
  steps: Step[];
}

export interface Step {
  title?: string;
  /** Text shown with the step (a `note:` beside its action). */
  note?: string;
  action: Action;
  expect: Expectations;
  /** `expectIstio: {"1.28": {...}}`: what to expect on a given release of a matrix scenario (else `expect`). */
  expectByIstio?: Partial<Record<IstioVersion, Expectations>>;
}

export type Action =
  | { kind: "note"; text: string }
  /** `file` as the scenario wrote it; `resolved` where it was found (beside the scenario or in the repository). */
  | { kind: "apply"; file: string; resolved: string; settle: boolean }
  | {
      kind: "patch";
      resource: string;
      namespace?: string;
      type: "json" | "merge";
      patch: string;
      source: string;
      settle: boolean;
    }
  | { kind: "delete"; resource?: string; file?: string; resolved?: string; namespace?: string; settle: boolean }
  | {
      kind: "wait";
      for: "ready" | "settled" | "notReady";
      timeoutSeconds: number;
      namespace?: string;
      selector?: string;
    }
  | { kind: "pause"; seconds: number }
  | { kind: "oc"; argv: string[]; grep?: RegExp }
  | {
      kind: "exec";
      namespace: string;
      selector?: string;
      pod?: string;
      /** Run in every Ready pod the selector matches, not only the first. */
      allPods: boolean;
      container?: string;
      command: string[];
      grep?: RegExp;
    }
  | {
      kind: "request";
      target: Target;
      method: string;
      path: string;
      body?: string;
      headers: Record<string, string>;
      repeat: number;
    }
  | { kind: "load"; target: Target; path: string; load: LoadSpec; namespace: string }
  | { kind: "check" }
  | { kind: "table"; table: "before-after" }
  | { kind: "phase"; name: string; seed: PhaseFigures; form: "auto" | "pods" | "roles" };

export type ActionKind = Action["kind"];

/** Where a request or a load run goes: a Gateway's address, or a URL. */
export type Target = { gateway: string; namespace: string; apiKey?: string } | { url: string; apiKey?: string };

export interface LoadSpec {
  requests: number;
  concurrency?: number;
  rate?: number;
  model: string;
  stream: boolean;
  workload:
    | { type: "shared-prefix"; prefixTokens: number; suffixTokens: number; outputTokens: number }
    | { type: "random"; promptTokens: number; outputTokens: number };
}

/** The seed's figures for a phase, printed beside the measured ones. */
export interface PhaseFigures {
  distribution?: string;
  cacheHits?: string;
  epp?: string;
}

export interface Range {
  min?: number;
  max?: number;
  equals?: number;
}

export interface GroupBounds {
  /** How many pods of the group served at least one request. */
  pods?: Range;
  /** Every pod's share of the group's requests is at least this. */
  minShare?: number;
  /** Every pod's share of the group's requests is at most this. */
  maxShare?: number;
  /** The busiest pod's share. */
  maxPodShare?: Range;
}

export type PodGroup = "all" | "decode" | "prefill";

export interface ClustersCheck {
  gateway: string;
  namespace: string;
  cluster: string;
  stat: string;
  range: Range;
}

export interface EppMetricCheck {
  name: string;
  labels: Record<string, string>;
  namespace?: string;
  range: Range;
}

export interface Expectations {
  exitCode?: number;
  contains?: string[];
  notContains?: string[];
  matches?: RegExp[];
  notMatches?: RegExp[];
  /** Every response's status is one of these. */
  status?: number[];
  /** Responses per status, exactly (load steps). */
  statusCounts?: Record<string, number>;
  bodyContains?: string[];
  bodyNotContains?: string[];
  header?: Record<string, string>;
  distribution?: Partial<Record<PodGroup, GroupBounds>>;
  cacheHitRate?: Range;
  throughEpp?: Range;
  clusters?: ClustersCheck[];
  eppMetric?: EppMetricCheck[];
  pod?: PodCheck[];
  logs?: LogsCheck[];
  event?: EventCheck[];
}

/** Pods as `oc get pods` shows them: STATUS (any of), RESTARTS and READY of every matching pod, and how many match. */
export interface PodCheck {
  namespace: string;
  selector: string;
  status?: string[];
  restarts?: Range;
  ready?: boolean;
  count?: Range;
}

/** `oc logs` of the first pod a selector matches (crashing or not). */
export interface LogsCheck {
  namespace: string;
  selector: string;
  container?: string;
  contains?: string[];
  notContains?: string[];
  matches?: RegExp[];
}

/** `oc get events`: an event with this reason (and text) exists in the namespace. */
export interface EventCheck {
  namespace: string;
  reason: string;
  contains?: string[];
}
