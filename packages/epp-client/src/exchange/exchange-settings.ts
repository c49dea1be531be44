// What one exchange runs with: the processing mode (which mode_override may change) and the
// filter settings that decide how answers are taken.
import type { BodySendMode, ProcessingMode, ProcessingResponse } from "@testbed/protocol";
import type { HeaderMutationRules } from "./mutation-rules.js";
import type { ExchangeCounter } from "./processor-stream.js";

/** ExternalProcessor.RouteCacheAction; disable_clear_route_cache reads as RETAIN. */
export type RouteCacheAction = "DEFAULT" | "CLEAR" | "RETAIN";

export interface ExchangeSettings {
  /** Both directions' modes, defaults resolved; an allowed mode_override changes them. */
  mode: Required<ProcessingMode>;
  allowModeOverride: boolean;
  /**
   * The filter's own processing_mode (not the route's): a mode_override's DEFAULT header and
   * trailer modes keep these values, and no override is taken when it is FULL_DUPLEX_STREAMED.
   * Unset: `mode`.
   */
  configuredMode?: Required<ProcessingMode>;
  /** allowed_override_modes: when not empty, a mode_override must equal one (request_header_mode aside). */
  allowedOverrideModes?: ProcessingMode[];
  /**
   * Metadata namespaces accepted from the processor (metadata_options.receiving_namespaces.untyped);
   * none when empty or unset — Envoy drops dynamic_metadata it was not told to receive.
   */
  receivingNamespaces: string[] | undefined;
  /** mutation_rules (unset: Envoy's defaults). */
  mutationRules?: HeaderMutationRules;
  /** route_cache_action (unset: DEFAULT). */
  routeCacheAction?: RouteCacheAction;
  /**
   * Whether header mutations may not set Content-Length in the body modes where Envoy removes it
   * (ProcessorState::shouldRemoveContentLength). Off for a client that reports what the processor
   * asked for rather than what Envoy forwards.
   */
  dropContentLength?: boolean;
  /** Envoy's buffer limit (per_connection_buffer_limit_bytes, 1 MiB by default). */
  bufferLimitBytes: number;
  /** Size of the request body's messages in the streamed modes. */
  chunkBytes: number;
  count(counter: ExchangeCounter): void;
}

/** Envoy's default per_connection_buffer_limit_bytes. */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

/**
 * A mode_override from the processor, taken as Envoy's onReceiveMessage takes it: only when the
 * filter allows it, its configured modes are not FULL_DUPLEX_STREAMED, and the answer is to a
 * headers message. DEFAULT header/trailer modes keep the configured value; body modes are always
 * taken as sent (unset = NONE). Both directions change (decoding and encoding state alike).
 */
export function applyModeOverride(settings: ExchangeSettings, response: ProcessingResponse): void {
  const override = response.mode_override;
  if (!settings.allowModeOverride || !override) return;
  const configured = settings.configuredMode ?? settings.mode;
  if (configured.request_body_mode === "FULL_DUPLEX_STREAMED") return;
  if (configured.response_body_mode === "FULL_DUPLEX_STREAMED") return;
  const keep = (value: string | undefined, fallback: string) =>
    value === undefined || value === "DEFAULT" ? fallback : value;
  const effective = {
    request_header_mode: keep(override.request_header_mode, configured.request_header_mode),
    response_header_mode: keep(override.response_header_mode, configured.response_header_mode),
    request_trailer_mode: keep(override.request_trailer_mode, configured.request_trailer_mode),
    response_trailer_mode: keep(override.response_trailer_mode, configured.response_trailer_mode),
    request_body_mode: override.request_body_mode ?? "NONE",
    response_body_mode: override.response_body_mode ?? "NONE",
  } as Required<ProcessingMode>;
  const allowed = settings.allowedOverrideModes ?? [];
  if (allowed.length > 0 && !allowed.some((mode) => sameOverride(effective, mode))) return;
  Object.assign(settings.mode, effective);
}

/**
 * allowed_override_modes matching: every field but request_header_mode. Modes here are resolved
 * (DEFAULT read as SEND for headers, SKIP for trailers; unset bodies as NONE).
 */
function sameOverride(effective: Required<ProcessingMode>, allowed: ProcessingMode): boolean {
  const mode = (value: string | undefined, fallback: string) =>
    value === undefined || value === "DEFAULT" ? fallback : value;
  const body = (value: BodySendMode | undefined) => value ?? "NONE";
  return (
    effective.request_body_mode === body(allowed.request_body_mode) &&
    effective.response_body_mode === body(allowed.response_body_mode) &&
    effective.request_trailer_mode === mode(allowed.request_trailer_mode, "SKIP") &&
    effective.response_header_mode === mode(allowed.response_header_mode, "SEND") &&
    effective.response_trailer_mode === mode(allowed.response_trailer_mode, "SKIP")
  );
}

/**
 * ProcessorState::shouldRemoveContentLength: in these body modes the processor may change the body
 * after the headers went on, so Envoy drops Content-Length (the body goes chunked) and skips any
 * Content-Length a header mutation sets.
 */
export function removesContentLength(bodyMode: BodySendMode, headersSent: boolean): boolean {
  return (
    bodyMode === "STREAMED" ||
    bodyMode === "FULL_DUPLEX_STREAMED" ||
    bodyMode === "BUFFERED_PARTIAL" ||
    (bodyMode === "BUFFERED" && !headersSent)
  );
}

/** Count each refused header change. */
export function countRejected(settings: ExchangeSettings, count: number): void {
  for (let i = 0; i < count; i++) settings.count("rejected_header_mutations");
}
