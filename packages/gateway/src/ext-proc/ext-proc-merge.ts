// How a route's ExtProcPerRoute combines with the base ext_proc filter, as Envoy's
// `Filter::mergePerRouteConfig()` (source/extensions/filters/http/ext_proc/ext_proc.cc) does it in
// every release the gateway models: the most specific per-route config wins field by field, and
// each field it sets REPLACES the filter's value whole — `disabled` turns both directions to SKIP,
// `processing_mode` replaces the whole mode (a route can un-SKIP a base filter), `grpc_service`
// replaces the service (cluster and timeout), metadata namespace lists are replaced in their
// entirety. What differs between releases: ExtProcOverrides.failure_mode_allow (field 8, envoy PR
// #40014) exists only from Envoy 1.35; an older Envoy does not know the field, so the base filter's
// failure_mode_allow decides. message_timeout and allow_mode_override are never per-route. From
// Envoy 1.36 (envoy PR #41276) `Filter::failureModeAllow()` answers false once a FULL_DUPLEX_STREAMED
// body has reached the filter: fail-open then holds only until the first body chunk.
import type {
  ExternalProcessorConfig,
  ExtProcPerRoute,
  HeaderSendMode,
  ProcessingMode,
  RouteConfiguration,
} from "../config/envoy-types.js";
import { type EnvoyVersion, envoyAtLeast } from "../envoy-version.js";
import { EXT_PROC_FILTER_NAME } from "./ext-proc-config.js";

/** The first Envoy release that reads ExtProcOverrides.failure_mode_allow. */
export const PER_ROUTE_FAILURE_MODE_SINCE: EnvoyVersion = "1.35";

/** The first Envoy release whose fail-open ends once a FULL_DUPLEX_STREAMED body was received. */
export const FULL_DUPLEX_FAIL_OPEN_ENDS_SINCE: EnvoyVersion = "1.36";

/** The settings one request's ext_proc filter runs with. */
export interface EffectiveExtProc {
  /** The Envoy release whose semantics apply (the exchange consults it for version-specific behaviour). */
  envoyVersion: EnvoyVersion;
  enabled: boolean;
  clusterName: string | undefined;
  mode: Required<ProcessingMode>;
  /** The base filter's own mode, before any per-route override (what Envoy 1.34 reports in protocol_config). */
  baseMode: Required<ProcessingMode>;
  failureModeAllow: boolean;
  /**
   * Envoy ≥ 1.36: failureModeAllow no longer applies once a body in FULL_DUPLEX_STREAMED mode
   * (either direction) has reached the filter — a later stream failure is then fail-closed.
   */
  failOpenOnlyBeforeFullDuplexBody: boolean;
  messageTimeoutSeconds: number;
  grpcTimeoutSeconds: number | undefined;
  allowModeOverride: boolean;
  /** The request's dynamic metadata namespaces sent to the processor (the route's list replaces the base's). */
  forwardingNamespaces: string[];
  /** Metadata namespaces accepted from the processor (metadata_options.receiving_namespaces); unset = none. */
  receivingNamespaces: string[] | undefined;
}

/** Envoy's defaults: headers SEND, bodies NONE, trailers SKIP; message_timeout 200 ms. */
export const DEFAULT_MESSAGE_TIMEOUT_SECONDS = 0.2;

export function effectiveExtProc(
  base: ExternalProcessorConfig,
  route: ExtProcPerRoute | undefined,
  envoyVersion: EnvoyVersion,
): EffectiveExtProc {
  const overrides = route?.overrides;
  const baseMode = resolveDefaults(base.processing_mode ?? {});
  const mode = overrides?.processing_mode ? resolveDefaults(overrides.processing_mode) : baseMode;
  const grpcService = overrides?.grpc_service ?? base.grpc_service;
  const perRouteFailureMode = envoyAtLeast(envoyVersion, PER_ROUTE_FAILURE_MODE_SINCE)
    ? overrides?.failure_mode_allow
    : undefined;
  const disabled = route?.disabled === true;
  return {
    envoyVersion,
    enabled: !disabled && sendsAnything(mode),
    clusterName: grpcService?.envoy_grpc?.cluster_name,
    mode: disabled ? resolveDefaults({ request_header_mode: "SKIP", response_header_mode: "SKIP" }) : mode,
    baseMode,
    failureModeAllow: perRouteFailureMode ?? base.failure_mode_allow ?? false,
    failOpenOnlyBeforeFullDuplexBody: envoyAtLeast(envoyVersion, FULL_DUPLEX_FAIL_OPEN_ENDS_SINCE),
    messageTimeoutSeconds: base.message_timeout ?? DEFAULT_MESSAGE_TIMEOUT_SECONDS,
    grpcTimeoutSeconds: grpcService?.timeout,
    allowModeOverride: base.allow_mode_override ?? false,
    receivingNamespaces:
      overrides?.metadata_options?.receiving_namespaces?.untyped ??
      base.metadata_options?.receiving_namespaces?.untyped,
    forwardingNamespaces:
      overrides?.metadata_options?.forwarding_namespaces?.untyped ??
      base.metadata_options?.forwarding_namespaces?.untyped ??
      [],
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

/**
 * Warnings for per-route ext_proc fields the chosen Envoy does not know. xDS carries them as
 * unknown protobuf fields, which Envoy ignores (and counts), so the config still loads.
 */
export function unknownPerRouteFields(
  routeConfig: RouteConfiguration,
  envoyVersion: EnvoyVersion,
  path: string,
): string[] {
  if (envoyAtLeast(envoyVersion, PER_ROUTE_FAILURE_MODE_SINCE)) return [];
  const warnings: string[] = [];
  routeConfig.virtual_hosts.forEach((host, hostIndex) => {
    host.routes.forEach((route, routeIndex) => {
      const entry = route.typed_per_filter_config?.[EXT_PROC_FILTER_NAME] as
        | { overrides?: Record<string, unknown> }
        | undefined;
      if (entry?.overrides?.failure_mode_allow === undefined) return;
      warnings.push(
        `${path}.virtual_hosts[${hostIndex}].routes[${routeIndex}].typed_per_filter_config["${EXT_PROC_FILTER_NAME}"].overrides.failure_mode_allow: ` +
          `unknown to Envoy ${envoyVersion} (ExtProcOverrides field 8 arrived in ${PER_ROUTE_FAILURE_MODE_SINCE}), ignored — the filter's own failure_mode_allow applies`,
      );
    });
  });
  return warnings;
}
