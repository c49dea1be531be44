// A processor's ImmediateResponse turned into the local reply Envoy sends the client instead.
import { httpStatusNumber, type ProcessingResponse } from "@testbed/protocol";
import { applyHeaderMutation } from "./header-mutation.js";

/** The client's answer when the processor answered for the upstream (or Envoy refused a body). */
export interface ExchangeReply {
  status: number;
  body: string;
  /** response_code_details for the access log. */
  details: string;
  headers?: Record<string, string>;
}

/** What the exchange does next: go on to the upstream, or answer the client now. */
export type ExchangeOutcome = { action: "continue" } | { action: "reply"; reply: ExchangeReply };

export const CONTINUE: ExchangeOutcome = { action: "continue" };

/**
 * Envoy answers 200 for a status it cannot use: unset, or below 200 (ext_proc.cc
 * sendImmediateResponse with mutation_utils.cc isValidHttpStatus, `code >= 200`). Its headers pass
 * the same mutation rules as any other header mutation.
 */
export function immediateReply(response: ProcessingResponse): ExchangeReply {
  const immediate = response.immediate_response ?? {};
  const headers: Record<string, string> = {};
  applyHeaderMutation(headers, immediate.headers);
  return {
    status: Math.max(200, httpStatusNumber(immediate.status?.code)),
    body: Buffer.from(immediate.body ?? []).toString("utf8"),
    details: immediate.details
      ? `ext_proc_immediate_response{${immediate.details.replace(/\s/g, "_")}}`
      : "ext_proc_immediate_response",
    headers,
  };
}
