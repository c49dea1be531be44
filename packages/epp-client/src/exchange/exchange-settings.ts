// What one exchange runs with: the processing mode (which mode_override may change) and the
// filter settings that decide how answers are taken.
import type { ProcessingMode, ProcessingResponse } from "@testbed/protocol";
import type { ExchangeCounter } from "./processor-stream.js";

export interface ExchangeSettings {
  /** Both directions' modes, defaults resolved; the response side changes under an allowed mode_override. */
  mode: Required<ProcessingMode>;
  allowModeOverride: boolean;
  /** Metadata namespaces accepted from the processor (metadata_options.receiving_namespaces); undefined = all. */
  receivingNamespaces: string[] | undefined;
  /** Envoy's buffer limit (per_connection_buffer_limit_bytes, 1 MiB by default). */
  bufferLimitBytes: number;
  /** Size of the request body's messages in the streamed modes. */
  chunkBytes: number;
  count(counter: ExchangeCounter): void;
}

/** Envoy's default per_connection_buffer_limit_bytes. */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

/** A mode_override from the processor, when the filter allows it (allow_mode_override). */
export function applyModeOverride(
  settings: ExchangeSettings,
  response: ProcessingResponse,
  fields: ReadonlyArray<"response_header_mode" | "response_body_mode" | "response_trailer_mode">,
): void {
  const override = response.mode_override;
  if (!settings.allowModeOverride || !override) return;
  for (const field of fields) {
    const value = override[field];
    if (value) (settings.mode as Record<string, string>)[field] = value;
  }
}

/** Count each refused header change. */
export function countRejected(settings: ExchangeSettings, count: number): void {
  for (let i = 0; i < count; i++) settings.count("rejected_header_mutations");
}
