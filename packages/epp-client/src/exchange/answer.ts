// One request-side answer applied as Envoy's onReceiveMessage and DecodingProcessorState apply it:
// dynamic metadata first, then an immediate response, or the header mutation and the route cache.
import { fromStruct, type ProcessingResponse } from "@testbed/protocol";
import { countRejected, type ExchangeSettings, removesContentLength } from "./exchange-settings.js";
import { mutateHeaders } from "./header-mutation.js";
import { type ExchangeOutcome, errorReply, immediateReply } from "./immediate-response.js";
import type { ExchangeRequest } from "./request-exchange.js";

/** A reply when the processor answered the client itself or its header mutation failed. */
export function applyAnswer(
  response: ProcessingResponse,
  phase: "request_headers" | "request_body",
  request: ExchangeRequest,
  settings: ExchangeSettings,
  setHeaders: Record<string, string>,
): ExchangeOutcome | undefined {
  receiveMetadata(response, request, settings);
  if (response.immediate_response) return { action: "reply", reply: immediateReply(response, settings.mutationRules) };
  const common = response[phase]?.response;
  if (!common) return undefined;
  const mode = settings.mode;
  const result = mutateHeaders(
    request.headers,
    common.header_mutation,
    {
      rules: settings.mutationRules,
      removeContentLength:
        settings.dropContentLength === true &&
        removesContentLength(mode.request_body_mode, mode.request_header_mode === "SEND"),
    },
    setHeaders,
  );
  countRejected(settings, result.rejected);
  // A failed mutation: Envoy closes the stream and answers with its status_on_error (500).
  if (result.error !== undefined) return errorReply(500, result.error);
  clearRouteCache(common.clear_route_cache === true, common.header_mutation !== undefined, request, settings);
  return undefined;
}

/**
 * DecodingProcessorState::clearRouteCache: only an answer that also mutates headers may clear the
 * route cache (else clear_route_cache_ignored); route_cache_action CLEAR always clears, RETAIN
 * never does (clear_route_cache_disabled when asked).
 */
function clearRouteCache(
  asked: boolean,
  hasHeaderMutation: boolean,
  request: ExchangeRequest,
  settings: ExchangeSettings,
): void {
  if (!hasHeaderMutation) {
    if (asked) settings.count("clear_route_cache_ignored");
    return;
  }
  switch (settings.routeCacheAction ?? "DEFAULT") {
    case "DEFAULT":
      if (asked) request.clearRouteCache = true;
      return;
    case "CLEAR":
      request.clearRouteCache = true;
      return;
    case "RETAIN":
      if (asked) settings.count("clear_route_cache_disabled");
      return;
  }
}

/** Filter::setDynamicMetadata: only the receiving namespaces are taken; with none, nothing is. */
function receiveMetadata(response: ProcessingResponse, request: ExchangeRequest, settings: ExchangeSettings): void {
  const receiving = settings.receivingNamespaces ?? [];
  if (!response.dynamic_metadata || receiving.length === 0) return;
  for (const [namespace, value] of Object.entries(fromStruct(response.dynamic_metadata))) {
    if (receiving.includes(namespace)) request.metadata[namespace] = value as Record<string, unknown>;
  }
}
