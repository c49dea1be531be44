// The page's wire contract: what the server's JSON/SSE API sends and the front end (ui/) reads.
// Types only, importing nothing with Node dependencies, so the browser build type-checks against
// them without the server's packages.
import type { AccessLogEntry } from "./access-log-entry.js";

/** One route's ext_proc settings as its gateway runs them. */
export interface RouteExtProc {
  gateway: string;
  listener: string;
  route: string;
  /** The route's match, e.g. `path separated prefix /my-first-model/qwen3-0-6b`. */
  match: string;
  enabled: boolean;
  cluster: string | undefined;
  requestBodyMode: string;
  responseBodyMode: string;
  requestHeaderMode: string;
  failureModeAllow: boolean;
  /** Where the settings come from: the route's override or the base filter. */
  source: "route override" | "base filter";
}

export interface PodGauges {
  name: string;
  namespace: string;
  role: string;
  ip: string;
  up: boolean;
  waiting: number;
  running: number;
  /** 0..1 */
  kvUsage: number;
  prefixHits: number;
  prefixQueries: number;
  requestsFinished: number;
  promptTokens: number;
}

export interface GatewayCounters {
  gateway: string;
  up: boolean;
  /** The EPP cluster(s) of the InferencePools, summed. */
  eppCxTotal: number;
  eppCxConnectFail: number;
  /** One ext_proc gRPC stream is one request on the EPP cluster. */
  eppRqTotal: number;
  /** Pool cluster host (ip:port) → requests the gateway sent there. */
  poolRqByHost: Record<string, number>;
}

export interface EppCounters {
  pod: string | undefined;
  up: boolean;
  attemptsSuccess: number;
  attemptsFailure: number;
  pdDecisions: Record<string, number>;
}

/** One sample of the running testbed. */
export interface Observation {
  /** When the sample's last answer arrived (ms): every counter in it was read before this. */
  at: number;
  pods: PodGauges[];
  gateways: GatewayCounters[];
  epp: EppCounters;
}

export interface TopologyNode {
  /** `<kind>/<namespace>/<name>`: also the address of its YAML (GET /api/object?id=<id>). */
  id: string;
  kind: string;
  apiVersion: string;
  namespace: string | undefined;
  name: string;
  column: number;
  /** A short second line: a pod's role and IP, a route's paths, a filter's patch. */
  detail: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  label?: string;
}

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

/** An object's YAML and the Events about it. */
export interface ObjectDetail {
  id: string;
  yaml: string;
  events: { type: string; reason: string; message: string; count: number; lastTimestamp: string }[];
}

export type StateLevel = "idle" | "ok" | "warn" | "bad";

/** "What the seed would call this state". */
export interface StateLine {
  level: StateLevel;
  /** The seed's name for the state, as a participant would say it. */
  text: string;
  /** The numbers behind it. */
  evidence: string;
}

/** A request as the page draws it: one gateway access log entry, with the pod its upstream host is. */
export interface FlowEvent {
  /** When the page saw the line (ms, the testbed's clock). */
  seenAt: number;
  /** The Gateway whose pod logged it. */
  gateway: string;
  entry: AccessLogEntry;
  /** The upstream pod's name and role, when the upstream host is a vLLM pod. */
  pod?: string | undefined;
  role?: string | undefined;
  /** Sent to an InferencePool's cluster (the requests the EPP should pick a pod for). */
  toPool: boolean;
}
