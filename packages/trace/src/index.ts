export { describeTrace } from "./describe-trace.js";
export type { HopStart, TraceClock } from "./hop-time.js";
export { hopStart, hopTime } from "./hop-time.js";
export { mergeTraces } from "./merge-traces.js";
export { describeStreamError } from "./stream-error-words.js";
export type { PartsReader, TraceAddresses } from "./trace-collector.js";
export { DEFAULT_LAST, TraceCollector } from "./trace-collector.js";
export type { TraceAnswer } from "./trace-parts-endpoint.js";
export { answerTraceParts, parseTraceQuery, TRACE_PARTS_PATH } from "./trace-parts-endpoint.js";
export type { TraceQuery } from "./trace-ring.js";
export { DEFAULT_TRACE_CAPACITY, MAX_HOPS, PartRecorder, TraceRing } from "./trace-ring.js";
export type { TraceServerHandle, TraceServerOptions } from "./trace-server.js";
export { startTraceServer, TRACES_PATH } from "./trace-server.js";
export type { TracePodView, TraceTarget } from "./trace-targets.js";
export { GATEWAY_ADMIN_PORT, traceTargets, VLLM_SIM_ADMIN_PORT } from "./trace-targets.js";
export type {
  DescriptorEntry,
  DescriptorStatus,
  EngineHop,
  ExtAuthzHop,
  ExtProcEffectiveConfig,
  ExtProcHop,
  FilterStep,
  HopBase,
  HopTime,
  ListenerHop,
  ProfileRun,
  RateLimitHop,
  RequestTrace,
  ResponseHop,
  RouteHop,
  RouteMiss,
  SchedulingHop,
  ScorerStep,
  SidecarHop,
  TraceHop,
  TraceHopKind,
  TracePart,
  TracePartsResponse,
  TraceSource,
  TracesResponse,
  UpstreamAttempt,
  UpstreamHop,
} from "./trace-types.js";
