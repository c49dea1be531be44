// The routing trace's data model, shared by the recorders (gateway, EPP, vllm-sim), the collector,
// `testbed trace` and the web page. Shape is stable: fields are added, never renamed.
// Every field reports what a component actually did; nothing here is inferred after the fact.

/** Which component wrote a part of the trace. */
export type TraceSource = "gateway" | "epp" | "vllm-sim";

/**
 * When a hop happened. Wall time is the host's clock (epoch ms); simulated time is the time the
 * simulation models (e.g. a T4's prefill of 512 tokens), independent of `--time-scale`.
 */
export interface HopTime {
  /** Epoch milliseconds when the hop started (the component's Clock.now()). */
  readonly wallStartMs: number;
  /** How long the hop took on the wall clock, in milliseconds. */
  readonly wallMs: number;
  /** The modelled duration in milliseconds, where the component models one (vLLM engine phases). */
  readonly simulatedMs?: number;
}

/** Fields every hop carries. */
export interface HopBase {
  readonly time: HopTime;
  /** The component instance, e.g. "openshift-ingress/openshift-ai-inference", "qwen3-0-6b-epp", a pod name. */
  readonly component: string;
}

/** The downstream listener the request arrived on. */
export interface ListenerHop extends HopBase {
  readonly kind: "listener";
  readonly listener: string;
  readonly address: string;
  readonly tls: boolean;
  readonly method: string;
  readonly path: string;
  readonly authority: string;
}

/** Why one route of the virtual host did not take the request. */
export interface RouteMiss {
  readonly route: string;
  readonly reason: string;
}

/** The route match: which route took the request and why the ones before it did not. */
export interface RouteHop extends HopBase {
  readonly kind: "route";
  readonly virtualHost: string;
  /** The matching route's name; absent when nothing matched (404 NR). */
  readonly route?: string;
  /** The match that succeeded, in words, e.g. "prefix /my-first-model/qwen3-0-6b". */
  readonly match?: string;
  /** The route's cluster (or weighted clusters joined by ","). */
  readonly cluster?: string;
  readonly misses: readonly RouteMiss[];
}

/** ext_authz (Authorino): the check's result and the identity it resolved. */
export interface ExtAuthzHop extends HopBase {
  readonly kind: "ext_authz";
  readonly cluster: string;
  readonly result: "allowed" | "denied" | "error";
  /** HTTP status sent to the client when denied, or the gRPC error when the check failed. */
  readonly status?: number;
  readonly reason?: string;
  /** Identity headers/metadata the authorization service returned (e.g. user, tier). */
  readonly identity?: Readonly<Record<string, string>>;
  readonly failureModeAllow: boolean;
}

/** One descriptor entry of a rate-limit request. */
export interface DescriptorEntry {
  readonly key: string;
  readonly value: string;
}

/** One descriptor's status in the rate-limit service's answer. */
export interface DescriptorStatus {
  readonly code: "OK" | "OVER_LIMIT" | "UNKNOWN";
  readonly requestsPerUnit?: number;
  readonly unit?: string;
  readonly remaining?: number;
}

/** ratelimit (Limitador): descriptors sent, counters returned, decision. */
export interface RateLimitHop extends HopBase {
  readonly kind: "ratelimit";
  readonly cluster: string;
  readonly domain: string;
  readonly descriptors: readonly (readonly DescriptorEntry[])[];
  readonly hitsAddend?: number;
  readonly overallCode: "OK" | "OVER_LIMIT" | "UNKNOWN" | "ERROR";
  readonly statuses: readonly DescriptorStatus[];
  readonly reason?: string;
}

/** The ext_proc settings in effect for this request's route (base filter merged with per-route). */
export interface ExtProcEffectiveConfig {
  readonly cluster: string;
  readonly requestHeaderMode: string;
  readonly requestBodyMode: string;
  readonly responseHeaderMode: string;
  readonly responseBodyMode: string;
  readonly failureModeAllow: boolean;
  /** Where the settings came from, e.g. "base filter" or "base filter + route override". */
  readonly origin: string;
}

/** ext_proc: the effective config, the stream to the processor, what happened to the body. */
export interface ExtProcHop extends HopBase {
  readonly kind: "ext_proc";
  readonly config: ExtProcEffectiveConfig;
  /** Whether the gRPC stream to the processor opened; `streamError` says why not. */
  readonly streamOpened: boolean;
  /** e.g. "TLS: certificate signed by unknown authority". */
  readonly streamError?: string;
  /**
   * What happened to the request body: "moved" (drained into the stream), "kept" (left in the
   * request), "none" (the request had no body), "sent-buffered" (copied to the processor, kept).
   */
  readonly requestBody: "moved" | "kept" | "none" | "sent-buffered";
  /** How the filter ended: the processor answered, it failed and the filter let the request on (fail-open), or failed closed. */
  readonly outcome: "processed" | "failed-open" | "failed-closed" | "immediate-response" | "skipped";
  /** Bytes of request body the upstream will receive after this filter (0 when moved into a failed stream). */
  readonly bodyBytesAfter?: number;
  readonly bodyBytesBefore?: number;
  /** Headers the processor set on the request (e.g. x-gateway-destination-endpoint). */
  readonly headersSet?: Readonly<Record<string, string>>;
  /** Dynamic metadata the processor set (e.g. envoy.lb's x-gateway-destination-endpoint). */
  readonly metadataSet?: Readonly<Record<string, string>>;
  readonly status?: number;
}

/** One filter plugin's effect on the candidate pods. */
export interface FilterStep {
  readonly name: string;
  readonly type: string;
  /** Pods left after this filter. */
  readonly remaining: readonly string[];
}

/** One scorer's scores, by pod. */
export interface ScorerStep {
  readonly name: string;
  readonly type: string;
  readonly weight: number;
  /** Score in [0,1] per pod (pod name or address as the EPP knows it). */
  readonly scores: Readonly<Record<string, number>>;
}

/** One scheduling profile's run. */
export interface ProfileRun {
  readonly name: string;
  readonly candidates: readonly string[];
  /** Candidates left out of `candidates` in a big pool (scores are kept for the 32 best and the pick). */
  readonly candidatesOmitted?: number;
  readonly filters: readonly FilterStep[];
  readonly scorers: readonly ScorerStep[];
  /** Weighted sum per pod. */
  readonly totals: Readonly<Record<string, number>>;
  readonly picker: string;
  readonly picked: readonly string[];
}

/** The EPP's scheduling cycle for one request, as the EPP reports it on its side channel. */
export interface SchedulingHop extends HopBase {
  readonly kind: "scheduling";
  readonly pool: string;
  readonly model?: string;
  readonly profiles: readonly ProfileRun[];
  /** The endpoint the EPP sent back (host:port), absent when scheduling failed. */
  readonly picked?: string;
  /** The picked pod's name. */
  readonly pickedPod?: string;
  /** The prefill endpoint (host:port), when a prefill profile ran and picked one. */
  readonly prefill?: string;
  /** The prefill pod's name. */
  readonly prefillPod?: string;
  /** Headers the EPP set on the request (x-gateway-destination-endpoint, x-prefiller-host-port, ...). */
  readonly headersSet: Readonly<Record<string, string>>;
  readonly error?: string;
}

/** One attempt at the upstream. */
export interface UpstreamAttempt {
  readonly host: string;
  readonly status?: number;
  readonly error?: string;
}

/** The upstream cluster: which pod, over what TLS, how many attempts, what status. */
export interface UpstreamHop extends HopBase {
  readonly kind: "upstream";
  readonly cluster: string;
  readonly host?: string;
  /** How the host was chosen, e.g. "override-host (x-gateway-destination-endpoint)" or "ROUND_ROBIN". */
  readonly lbDecision: string;
  readonly tls: { readonly enabled: boolean; readonly sni?: string; readonly error?: string };
  readonly attempts: readonly UpstreamAttempt[];
  readonly retries: number;
  readonly status?: number;
  readonly requestBodyBytes: number;
  readonly responseFlags?: string;
}

/** The pd-sidecar on the decode pod: whether it ran a remote prefill first. */
export interface SidecarHop extends HopBase {
  readonly kind: "sidecar";
  readonly prefiller?: string;
  readonly prefillStatus?: number;
  readonly connector: string;
}

/** The vLLM engine's handling of the request. */
export interface EngineHop extends HopBase {
  readonly kind: "engine";
  readonly pod: string;
  readonly model: string;
  readonly role?: string;
  readonly status: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Prefix blocks found already in the KV cache. */
  readonly cachedPrefixBlocks: number;
  readonly cachedPrefixTokens: number;
  readonly blockSize: number;
  /** Simulated milliseconds waiting in the engine's queue, in prefill and in decode. */
  readonly queueMs: number;
  readonly prefillMs: number;
  readonly decodeMs: number;
  readonly preemptions: number;
  readonly finishReason?: string;
  /** "prefill-only" when this pod served a remote prefill for a decode pod. */
  readonly kvTransfer?: string;
  readonly error?: string;
}

/** The response as the gateway sent it to the client. */
export interface ResponseHop extends HopBase {
  readonly kind: "response";
  readonly status: number;
  readonly responseFlags: string;
  readonly bodyBytes: number;
  /** The local-reply or upstream body's first bytes when the status is an error (what the client saw). */
  readonly bodyExcerpt?: string;
  /** %RESPONSE_CODE_DETAILS%: via_upstream, ext_authz_denied, route_not_found … */
  readonly details?: string;
}

export type TraceHop =
  | ListenerHop
  | RouteHop
  | ExtAuthzHop
  | RateLimitHop
  | ExtProcHop
  | SchedulingHop
  | UpstreamHop
  | SidecarHop
  | EngineHop
  | ResponseHop;

export type TraceHopKind = TraceHop["kind"];

/** What one component recorded about one request (one entry of a component's ring). */
export interface TracePart {
  readonly requestId: string;
  readonly source: TraceSource;
  readonly component: string;
  /** Epoch ms of the part's first hop. */
  readonly startedAtMs: number;
  readonly hops: readonly TraceHop[];
}

/** A request's whole trace: the parts of every component, merged by x-request-id, hops in time order. */
export interface RequestTrace {
  readonly requestId: string;
  readonly startedAtMs: number;
  /** Components that reported a part, e.g. ["gateway:openshift-ingress/openshift-ai-inference", "epp:qwen3-0-6b-epp"]. */
  readonly sources: readonly string[];
  readonly hops: readonly TraceHop[];
}

/** `GET /debug/traces` on a component (gateway admin, EPP metrics port, vllm-sim admin port). */
export interface TracePartsResponse {
  readonly parts: readonly TracePart[];
}

/** `GET /api/traces` on the testbed's server: merged traces, newest first. */
export interface TracesResponse {
  readonly traces: readonly RequestTrace[];
  /** Components the collector could not reach, with the error. */
  readonly unreachable: readonly { readonly address: string; readonly error: string }[];
}
