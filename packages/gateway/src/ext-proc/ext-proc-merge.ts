// How a route's ExtProcPerRoute combines with the base ext_proc filter — the rule the seed's Bugs
// 1 and 2 hinge on. Two mesh profiles:
//
// `upstream` (Envoy's own semantics): the more specific config wins. An override's processing_mode
// REPLACES the whole base mode, its grpc_service replaces the cluster, `disabled` turns the filter off.
//
// `ossm-3.2` (Istio 1.26.2-redhat, as the seed observed it): a route override only fills fields the
// base filter leaves at their default; a field the base sets wins. So a base filter that says
// `cluster: dummy, headers: SKIP` keeps saying it — "per-route overrides cannot un-SKIP a base filter".
import type {
  ExternalProcessorConfig,
  ExtProcPerRoute,
  HeaderSendMode,
  ProcessingMode,
} from "../config/envoy-types.js";

/** Whose merge rule the gateway follows: upstream Envoy's or OSSM 3.2's. */
export type MeshProfile = "upstream" | "ossm-3.2";

export function isMeshProfile(value: unknown): value is MeshProfile {
  return value === "upstream" || value === "ossm-3.2";
}

/** The settings one request's ext_proc filter runs with. */
export interface EffectiveExtProc {
  enabled: boolean;
  clusterName: string | undefined;
  mode: Required<ProcessingMode>;
  failureModeAllow: boolean;
  messageTimeoutSeconds: number;
  grpcTimeoutSeconds: number | undefined;
  allowModeOverride: boolean;
  /** Metadata namespaces accepted from the processor (metadata_options.receiving_namespaces); undefined = all. */
  receivingNamespaces: string[] | undefined;
}

/** Envoy's defaults: headers SEND, bodies NONE, trailers SKIP; message_timeout 200 ms. */
export const DEFAULT_MESSAGE_TIMEOUT_SECONDS = 0.2;

export function effectiveExtProc(
  base: ExternalProcessorConfig,
  route: ExtProcPerRoute | undefined,
  profile: MeshProfile,
): EffectiveExtProc {
  const merged = profile === "upstream" ? mergeUpstream(base, route) : mergeOssm(base, route);
  const mode = resolveDefaults(merged.processing_mode ?? {});
  const disabled = route?.disabled === true;
  return {
    enabled: !disabled && sendsAnything(mode),
    clusterName: merged.grpc_service?.envoy_grpc?.cluster_name,
    mode,
    failureModeAllow: merged.failure_mode_allow ?? false,
    messageTimeoutSeconds: base.message_timeout ?? DEFAULT_MESSAGE_TIMEOUT_SECONDS,
    grpcTimeoutSeconds: merged.grpc_service?.timeout,
    allowModeOverride: base.allow_mode_override ?? false,
    receivingNamespaces: base.metadata_options?.receiving_namespaces?.untyped,
  };
}

function mergeUpstream(base: ExternalProcessorConfig, route: ExtProcPerRoute | undefined): ExternalProcessorConfig {
  const overrides = route?.overrides;
  if (!overrides) return base;
  return {
    ...base,
    ...(overrides.processing_mode ? { processing_mode: overrides.processing_mode } : {}),
    ...(overrides.grpc_service ? { grpc_service: overrides.grpc_service } : {}),
    ...(overrides.failure_mode_allow !== undefined ? { failure_mode_allow: overrides.failure_mode_allow } : {}),
  };
}

function mergeOssm(base: ExternalProcessorConfig, route: ExtProcPerRoute | undefined): ExternalProcessorConfig {
  const overrides = route?.overrides;
  if (!overrides) return base;
  const baseMode = base.processing_mode ?? {};
  const routeMode = overrides.processing_mode ?? {};
  const mode: ProcessingMode = {};
  for (const key of Object.keys({ ...baseMode, ...routeMode }) as Array<keyof ProcessingMode>) {
    const baseValue = baseMode[key];
    const set = baseValue !== undefined && baseValue !== "DEFAULT" && baseValue !== "NONE";
    const value = set ? baseValue : (routeMode[key] ?? baseValue);
    if (value !== undefined) (mode as Record<string, string>)[key] = value;
  }
  return {
    ...base,
    processing_mode: mode,
    grpc_service: base.grpc_service?.envoy_grpc ? base.grpc_service : (overrides.grpc_service ?? base.grpc_service),
    failure_mode_allow:
      base.failure_mode_allow === true ? true : (overrides.failure_mode_allow ?? base.failure_mode_allow),
  };
}

function resolveDefaults(mode: ProcessingMode): Required<ProcessingMode> {
  const header = (value: HeaderSendMode | undefined, fallback: "SEND" | "SKIP") =>
    value === undefined || value === "DEFAULT" ? fallback : value;
  return {
    request_header_mode: header(mode.request_header_mode, "SEND"),
    response_header_mode: header(mode.response_header_mode, "SEND"),
    request_body_mode: mode.request_body_mode ?? "NONE",
    response_body_mode: mode.response_body_mode ?? "NONE",
    request_trailer_mode: header(mode.request_trailer_mode, "SKIP"),
    response_trailer_mode: header(mode.response_trailer_mode, "SKIP"),
  };
}

/** With nothing to send in either direction, Envoy never opens a stream. */
function sendsAnything(mode: Required<ProcessingMode>): boolean {
  return (
    mode.request_header_mode === "SEND" ||
    mode.response_header_mode === "SEND" ||
    mode.request_body_mode !== "NONE" ||
    mode.response_body_mode !== "NONE" ||
    mode.request_trailer_mode === "SEND" ||
    mode.response_trailer_mode === "SEND"
  );
}
