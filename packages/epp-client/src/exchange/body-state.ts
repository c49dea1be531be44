// The body-mode state of each direction as named states, the way Envoy's processor_state.h names
// its callback states (BufferedBody, BufferedPartialBody, StreamedBody …) instead of flags.
import type { BodySendMode } from "@testbed/protocol";

/**
 * What the request phase does with the body once the headers are through:
 * - BodyNotSent: body mode NONE, or no body at all; the headers message says end_of_stream.
 * - BufferedBody: the whole body in one message, one answer that may replace it (BUFFERED, or
 *   BUFFERED_PARTIAL when the body fits the buffer).
 * - BufferedBodyOverLimit: BUFFERED and the body is over the buffer limit: Envoy answers 413.
 * - BufferedPartialBody: BUFFERED_PARTIAL over the limit: the limit's worth goes, the body stays as is.
 * - StreamedBody: one message per chunk, one answer per chunk, each may replace its chunk.
 * - FullDuplexStreamedBody: every chunk goes at once and the original is drained; upstream gets
 *   only the streamed_response chunks that come back.
 */
export type RequestBodyState =
  | "BodyNotSent"
  | "BufferedBody"
  | "BufferedBodyOverLimit"
  | "BufferedPartialBody"
  | "StreamedBody"
  | "FullDuplexStreamedBody";

export function requestBodyState(mode: BodySendMode, bodyBytes: number, bufferLimitBytes: number): RequestBodyState {
  if (mode === "NONE" || bodyBytes === 0) return "BodyNotSent";
  if (mode === "FULL_DUPLEX_STREAMED") return "FullDuplexStreamedBody";
  if (mode === "STREAMED") return "StreamedBody";
  if (bodyBytes <= bufferLimitBytes) return "BufferedBody";
  return mode === "BUFFERED" ? "BufferedBodyOverLimit" : "BufferedPartialBody";
}

/**
 * What the response phase does with the body: BufferedBody (BUFFERED and BUFFERED_PARTIAL: the whole
 * body, one answer), StreamedBody (chunk by chunk, SSE keeps flowing) or FullDuplexStreamedBody
 * (chunks go as they arrive, the client gets what comes back). BodyNotSent: it passes untouched.
 */
export type ResponseBodyState = "BodyNotSent" | "BufferedBody" | "StreamedBody" | "FullDuplexStreamedBody";

export function responseBodyState(mode: BodySendMode): ResponseBodyState {
  if (mode === "NONE") return "BodyNotSent";
  if (mode === "FULL_DUPLEX_STREAMED") return "FullDuplexStreamedBody";
  if (mode === "STREAMED") return "StreamedBody";
  return "BufferedBody";
}
