// A processor's ImmediateResponse turned into the local reply Envoy sends the client instead.
import { httpStatusNumber, type ProcessingResponse } from "@testbed/protocol";
import { type HeaderMutationRules, mutateHeaders } from "./header-mutation.js";

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
 * sendImmediateResponse with mutation_utils.cc isValidHttpStatus, `code >= 200`). The response code
 * details are the processor's `details` as they are, white space turned into `_`
 * (StringUtil::replaceAllEmptySpace). Its headers pass the filter's mutation rules; one that fails
 * is dropped, the reply still goes.
 */
export function immediateReply(response: ProcessingResponse, rules?: HeaderMutationRules): ExchangeReply {
  const immediate = response.immediate_response ?? {};
  const headers: Record<string, string> = {};
  mutateHeaders(headers, immediate.headers, { rules });
  return {
    status: Math.max(200, httpStatusNumber(immediate.status?.code)),
    body: Buffer.from(immediate.body ?? []).toString("utf8"),
    details: localReplyDetails(immediate.details ?? ""),
    headers,
  };
}

/** An error the filter answers the client for itself: its status and details (spaces as `_`). */
export function errorReply(status: number, details: string): ExchangeOutcome {
  return { action: "reply", reply: { status, body: "", details: localReplyDetails(details) } };
}

/** Response code details as Envoy's sendLocalReply takes them from ext_proc: white space as `_`. */
export function localReplyDetails(details: string): string {
  return details.replace(/\s/g, "_");
}
