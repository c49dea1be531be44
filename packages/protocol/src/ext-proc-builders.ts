// Small builders for the ext_proc messages both sides exchange. Request builders are what Envoy
// sends; response builders are what a processor (the EPP) answers.
import type {
  BodySendMode,
  HeaderValueOption,
  ProcessingRequest,
  ProcessingResponse,
  ProtoStruct,
} from "./ext-proc-types.js";
import { headerMapFrom } from "./headers.js";
import { httpStatusName } from "./http-status.js";

// ---- what Envoy sends -------------------------------------------------------------------------

export function requestHeadersMessage(
  headers: Record<string, string>,
  endOfStream: boolean,
  protocol?: { requestBodyMode: BodySendMode; responseBodyMode: BodySendMode },
): ProcessingRequest {
  const message: ProcessingRequest = {
    request_headers: { headers: headerMapFrom(headers), end_of_stream: endOfStream },
  };
  if (protocol) {
    message.protocol_config = {
      request_body_mode: protocol.requestBodyMode,
      response_body_mode: protocol.responseBodyMode,
    };
  }
  return message;
}

export function requestBodyMessage(body: Buffer, endOfStream: boolean): ProcessingRequest {
  return { request_body: { body, end_of_stream: endOfStream } };
}

export function requestTrailersMessage(trailers: Record<string, string> = {}): ProcessingRequest {
  return { request_trailers: { trailers: headerMapFrom(trailers) } };
}

export function responseHeadersMessage(headers: Record<string, string>, endOfStream: boolean): ProcessingRequest {
  return { response_headers: { headers: headerMapFrom(headers), end_of_stream: endOfStream } };
}

export function responseBodyMessage(body: Buffer, endOfStream: boolean): ProcessingRequest {
  return { response_body: { body, end_of_stream: endOfStream } };
}

export function responseTrailersMessage(trailers: Record<string, string> = {}): ProcessingRequest {
  return { response_trailers: { trailers: headerMapFrom(trailers) } };
}

// ---- what a processor answers -----------------------------------------------------------------

export interface HeadersReply {
  setHeaders?: HeaderValueOption[];
  removeHeaders?: string[];
  clearRouteCache?: boolean;
  dynamicMetadata?: ProtoStruct;
}

export function requestHeadersResponse(reply: HeadersReply = {}): ProcessingResponse {
  return withMetadata({ request_headers: { response: commonResponse(reply) } }, reply.dynamicMetadata);
}

export function responseHeadersResponse(reply: HeadersReply = {}): ProcessingResponse {
  return withMetadata({ response_headers: { response: commonResponse(reply) } }, reply.dynamicMetadata);
}

/** A request_body answer that lets the chunk through unchanged, optionally mutating headers (buffered exchange). */
export function requestBodyResponse(reply: HeadersReply = {}): ProcessingResponse {
  return withMetadata({ request_body: { response: commonResponse(reply) } }, reply.dynamicMetadata);
}

export function responseBodyResponse(): ProcessingResponse {
  return { response_body: { response: {} } };
}

/** One chunk of a body the processor streams back in FULL_DUPLEX_STREAMED mode. */
export function streamedBodyChunk(
  phase: "request_body" | "response_body",
  body: Buffer,
  endOfStream: boolean,
): ProcessingResponse {
  const response = { response: { body_mutation: { streamed_response: { body, end_of_stream: endOfStream } } } };
  return phase === "request_body" ? { request_body: response } : { response_body: response };
}

export function requestTrailersResponse(): ProcessingResponse {
  return { request_trailers: {} };
}

export function responseTrailersResponse(): ProcessingResponse {
  return { response_trailers: {} };
}

/** A local reply Envoy sends to the client instead of going upstream. */
export function immediateResponse(status: number, body: string, details?: string): ProcessingResponse {
  return {
    immediate_response: {
      status: { code: httpStatusName(status) },
      body: Buffer.from(body, "utf8"),
      ...(details ? { details } : {}),
    },
  };
}

function commonResponse(reply: HeadersReply) {
  const response: NonNullable<NonNullable<ProcessingResponse["request_headers"]>["response"]> = {};
  if (reply.setHeaders?.length || reply.removeHeaders?.length) {
    response.header_mutation = {
      ...(reply.setHeaders?.length ? { set_headers: reply.setHeaders } : {}),
      ...(reply.removeHeaders?.length ? { remove_headers: reply.removeHeaders } : {}),
    };
  }
  if (reply.clearRouteCache) response.clear_route_cache = true;
  return response;
}

function withMetadata(response: ProcessingResponse, metadata: ProtoStruct | undefined): ProcessingResponse {
  if (metadata) response.dynamic_metadata = metadata;
  return response;
}
