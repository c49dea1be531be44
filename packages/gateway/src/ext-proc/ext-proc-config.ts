import { GatewayConfigError } from "../config/config-error.js";
import { duration, object, readProcessingMode } from "../config/config-reader.js";
import type {
  ExternalProcessorConfig,
  ExtProcPerRoute,
  GrpcService,
  HttpFilter,
  Route,
} from "../config/envoy-types.js";

/** The ext_proc filter's names as Envoy and Istio write them. */
export const EXT_PROC_FILTER_NAME = "envoy.filters.http.ext_proc";
export const EXT_PROC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor";
export const EXT_PROC_PER_ROUTE_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute";

/** Read an http_filters entry's ExternalProcessor, refusing what Envoy refuses. */
export function readExternalProcessor(filter: HttpFilter, path: string): ExternalProcessorConfig {
  const raw = object(filter.typed_config ?? {}, `${path}.typed_config`);
  const config: ExternalProcessorConfig = {};
  if (raw.grpc_service !== undefined)
    config.grpc_service = readGrpcService(raw.grpc_service, `${path}.typed_config.grpc_service`);
  if (raw.failure_mode_allow !== undefined) config.failure_mode_allow = raw.failure_mode_allow === true;
  if (raw.processing_mode !== undefined)
    config.processing_mode = readProcessingMode(raw.processing_mode, `${path}.typed_config.processing_mode`);
  if (raw.message_timeout !== undefined)
    config.message_timeout = duration(raw.message_timeout, `${path}.typed_config.message_timeout`);
  if (raw.allow_mode_override !== undefined) config.allow_mode_override = raw.allow_mode_override === true;
  if (raw.metadata_options !== undefined)
    config.metadata_options = raw.metadata_options as ExternalProcessorConfig["metadata_options"];
  const mode = config.processing_mode;
  if (mode?.request_body_mode === "FULL_DUPLEX_STREAMED" && mode.request_trailer_mode !== "SEND") {
    throw new GatewayConfigError(
      `${path}.typed_config.processing_mode`,
      "If the ext_proc filter has the request_body_mode set to FULL_DUPLEX_STREAMED, then the request_trailer_mode has to be set to SEND",
    );
  }
  if (mode?.response_body_mode === "FULL_DUPLEX_STREAMED" && mode.response_trailer_mode !== "SEND") {
    throw new GatewayConfigError(
      `${path}.typed_config.processing_mode`,
      "If the ext_proc filter has the response_body_mode set to FULL_DUPLEX_STREAMED, then the response_trailer_mode has to be set to SEND",
    );
  }
  return config;
}

/** A route's typed_per_filter_config entry for ext_proc (Envoy does not validate these). */
export function readPerRoute(route: Route, path: string): ExtProcPerRoute | undefined {
  const raw = route.typed_per_filter_config?.[EXT_PROC_FILTER_NAME];
  if (raw === undefined) return undefined;
  const entryPath = `${path}.typed_per_filter_config["${EXT_PROC_FILTER_NAME}"]`;
  const entry = object(raw, entryPath);
  if (entry.disabled === true) return { disabled: true };
  if (entry.overrides === undefined) return {};
  const overrides = object(entry.overrides, `${entryPath}.overrides`);
  return {
    overrides: {
      ...(overrides.processing_mode !== undefined
        ? { processing_mode: readProcessingMode(overrides.processing_mode, `${entryPath}.overrides.processing_mode`) }
        : {}),
      ...(overrides.grpc_service !== undefined
        ? { grpc_service: readGrpcService(overrides.grpc_service, `${entryPath}.overrides.grpc_service`) }
        : {}),
      ...(overrides.failure_mode_allow !== undefined
        ? { failure_mode_allow: overrides.failure_mode_allow === true }
        : {}),
    },
  };
}

function readGrpcService(raw: unknown, path: string): GrpcService {
  const service = object(raw, path);
  const out: GrpcService = {};
  if (service.envoy_grpc !== undefined) {
    const envoyGrpc = object(service.envoy_grpc, `${path}.envoy_grpc`);
    if (typeof envoyGrpc.cluster_name !== "string")
      throw new GatewayConfigError(`${path}.envoy_grpc.cluster_name`, "is required");
    out.envoy_grpc = { cluster_name: envoyGrpc.cluster_name };
  }
  if (service.timeout !== undefined) out.timeout = duration(service.timeout, `${path}.timeout`);
  return out;
}
