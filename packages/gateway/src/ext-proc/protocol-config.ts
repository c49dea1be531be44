// ProcessingRequest.protocol_config (field 11, envoy.service.ext_proc.v3.ProtocolConfiguration):
// what Envoy tells the processor about the stream on its first message (Filter::encodeProtocolConfig,
// source/extensions/filters/http/ext_proc/ext_proc.cc, added by envoyproxy/envoy#38755 for 1.34).
import type { BodySendMode, ProtocolConfiguration } from "@testbed/protocol";
import type { ProcessingMode } from "../config/envoy-types.js";
import { type EnvoyVersion, envoyAtLeast } from "../envoy-version.js";
import type { EffectiveExtProc } from "./ext-proc-merge.js";

/** The first release whose protocol_config reports the route's effective modes (envoyproxy/envoy#39650). */
export const PROTOCOL_CONFIG_FROM_ROUTE_SINCE: EnvoyVersion = "1.35";

/**
 * The protocol_config of one stream's first message. Envoy 1.34 fills it from the filter's own
 * processing_mode (the base filter's body modes, whatever the route overrides); from 1.35 it reads
 * the decoding and encoding states' body modes, i.e. after mergePerRouteConfig applied the route's
 * override. Fields are proto3 scalars without presence: NONE (0) and false are not on the wire, so
 * the processor sees them unset — an empty message when the modes are NONE.
 */
export function protocolConfiguration(
  effective: Pick<EffectiveExtProc, "mode" | "baseMode">,
  version: EnvoyVersion,
  sendBodyWithoutWaitingForHeaderResponse = false,
): ProtocolConfiguration {
  const mode: Required<ProcessingMode> = envoyAtLeast(version, PROTOCOL_CONFIG_FROM_ROUTE_SINCE)
    ? effective.mode
    : effective.baseMode;
  const config: ProtocolConfiguration = {};
  setMode(config, "request_body_mode", mode.request_body_mode);
  setMode(config, "response_body_mode", mode.response_body_mode);
  if (sendBodyWithoutWaitingForHeaderResponse) config.send_body_without_waiting_for_header_response = true;
  return config;
}

function setMode(
  config: ProtocolConfiguration,
  field: "request_body_mode" | "response_body_mode",
  mode: BodySendMode,
): void {
  if (mode !== "NONE") config[field] = mode;
}
