import {
  type BodySendMode,
  fromStruct,
  type HeaderMutation,
  headerValueText,
  httpStatusNumber,
  type ProcessingResponse,
  requestBodyMessage,
  requestHeadersMessage,
  responseBodyMessage,
  responseHeadersMessage,
  toStruct,
} from "@testbed/protocol";
import type { ExtProcSession } from "./ext-proc-session.js";

/**
 * The request and response phases of one HTTP exchange through an EPP, driven the way Envoy drives
 * them in a given body mode, with what Envoy would do with the answers: which headers it sets,
 * where it routes, what body goes upstream.
 */
export interface RequestPhaseInput {
  headers: Record<string, string>;
  body: Buffer;
  mode: BodySendMode;
  /** Send protocol_config on the first message, as current Envoy does (default true). */
  sendProtocolConfig?: boolean;
  /** Envoy's subset hint: the endpoints allowed for this request. */
  subsetHint?: string[];
  /** Split the body into messages of this size (default: one message). */
  chunkBytes?: number;
}

export interface RequestPhaseResult {
  immediate?: { status: number; body: string };
  /** Every header the processor set, lower-cased. */
  setHeaders: Record<string, string>;
  destination: string | undefined;
  /** `envoy.lb` → `x-gateway-destination-endpoint` in the dynamic metadata. */
  metadataDestination: string | undefined;
  clearRouteCache: boolean;
  /** What Envoy would send upstream. */
  upstreamBody: Buffer;
  /** Sizes of the streamed_response chunks that carried the body back (full duplex). */
  returnedChunkSizes: number[];
}

export interface ResponsePhaseResult {
  setHeaders: Record<string, string>;
  body: Buffer;
  returnedChunkSizes: number[];
  /** For each chunk sent, whether its echo came back before the next chunk was sent. */
  echoedInOrder: boolean;
}

const DESTINATION = "x-gateway-destination-endpoint";

export async function runRequestPhase(session: ExtProcSession, input: RequestPhaseInput): Promise<RequestPhaseResult> {
  const result: RequestPhaseResult = {
    setHeaders: {},
    destination: undefined,
    metadataDestination: undefined,
    clearRouteCache: false,
    upstreamBody: Buffer.alloc(0),
    returnedChunkSizes: [],
  };
  const fullDuplex = input.mode === "FULL_DUPLEX_STREAMED";
  const headersMessage = requestHeadersMessage(
    input.headers,
    input.body.length === 0,
    input.sendProtocolConfig === false ? undefined : { requestBodyMode: input.mode, responseBodyMode: input.mode },
  );
  if (input.subsetHint) {
    headersMessage.metadata_context = {
      filter_metadata: {
        "envoy.lb.subset_hint": toStruct({ "x-gateway-destination-endpoint-subset": input.subsetHint }),
      },
    };
  }
  session.send(headersMessage);
  if (!fullDuplex && !(await expectAnswer(session, "request_headers", result))) return result;

  const chunks = split(input.body, input.chunkBytes);
  for (const [index, chunk] of chunks.entries()) {
    session.send(requestBodyMessage(chunk, index === chunks.length - 1));
    if (!fullDuplex && !(await expectAnswer(session, "request_body", result))) return result;
  }
  if (!fullDuplex) {
    result.upstreamBody = input.body;
    return result;
  }
  // Full duplex: a headers answer with the routing decision, then the body streamed back.
  if (!(await expectAnswer(session, "request_headers", result))) return result;
  if (input.body.length === 0) return result;
  const returned: Buffer[] = [];
  for (;;) {
    const response = await nextResponse(session);
    if (response.immediate_response) return immediate(result, response);
    const streamed = response.request_body?.response?.body_mutation?.streamed_response;
    if (!streamed) throw new Error(`expected a streamed request_body chunk, got ${response.response}`);
    const body = Buffer.from(streamed.body ?? []);
    returned.push(body);
    result.returnedChunkSizes.push(body.length);
    if (streamed.end_of_stream) break;
  }
  result.upstreamBody = Buffer.concat(returned);
  return result;
}

export async function runResponsePhase(
  session: ExtProcSession,
  input: { headers: Record<string, string>; chunks: Buffer[]; mode: BodySendMode },
): Promise<ResponsePhaseResult> {
  const result: ResponsePhaseResult = {
    setHeaders: {},
    body: Buffer.alloc(0),
    returnedChunkSizes: [],
    echoedInOrder: true,
  };
  session.send(responseHeadersMessage(input.headers, input.chunks.length === 0));
  const headers = await nextResponse(session);
  applyMutation(headers.response_headers?.response?.header_mutation, result.setHeaders);
  const returned: Buffer[] = [];
  const fullDuplex = input.mode === "FULL_DUPLEX_STREAMED";
  const streaming = (input.headers["content-type"] ?? "").includes("text/event-stream");
  for (const [index, chunk] of input.chunks.entries()) {
    const last = index === input.chunks.length - 1;
    session.send(responseBodyMessage(chunk, last));
    if (!fullDuplex) {
      await nextResponse(session);
      returned.push(chunk);
    } else if (streaming) {
      const echoed = await readStreamedChunk(session);
      returned.push(echoed.body);
      result.returnedChunkSizes.push(echoed.body.length);
      if (!echoed.body.equals(chunk)) result.echoedInOrder = false;
    }
  }
  if (fullDuplex && !streaming && input.chunks.length > 0) {
    for (;;) {
      const echoed = await readStreamedChunk(session);
      returned.push(echoed.body);
      result.returnedChunkSizes.push(echoed.body.length);
      if (echoed.endOfStream) break;
    }
  }
  result.body = Buffer.concat(returned);
  return result;
}

async function readStreamedChunk(session: ExtProcSession): Promise<{ body: Buffer; endOfStream: boolean }> {
  const response = await nextResponse(session);
  const streamed = response.response_body?.response?.body_mutation?.streamed_response;
  if (!streamed) throw new Error(`expected a streamed response_body chunk, got ${response.response}`);
  return { body: Buffer.from(streamed.body ?? []), endOfStream: streamed.end_of_stream === true };
}

async function nextResponse(session: ExtProcSession): Promise<ProcessingResponse> {
  const event = await session.next();
  if (event.kind === "response") return event.response;
  if (event.kind === "end") throw new Error("the processor closed the stream");
  throw new Error(`ext_proc stream failed: gRPC ${event.code} ${event.details}`);
}

/** Read the answer to a phase; false when the processor answered with an immediate response instead. */
async function expectAnswer(
  session: ExtProcSession,
  phase: "request_headers" | "request_body",
  result: RequestPhaseResult,
): Promise<boolean> {
  const response = await nextResponse(session);
  if (response.immediate_response) {
    immediate(result, response);
    return false;
  }
  const common = response[phase]?.response;
  if (!common) throw new Error(`expected a ${phase} answer, got ${response.response}`);
  applyMutation(common.header_mutation, result.setHeaders);
  if (common.clear_route_cache) result.clearRouteCache = true;
  if (result.setHeaders[DESTINATION]) result.destination = result.setHeaders[DESTINATION];
  const lb = fromStruct(response.dynamic_metadata)["envoy.lb"] as Record<string, unknown> | undefined;
  if (lb?.[DESTINATION] !== undefined) result.metadataDestination = String(lb[DESTINATION]);
  return true;
}

function immediate(result: RequestPhaseResult, response: ProcessingResponse): RequestPhaseResult {
  const reply = response.immediate_response ?? {};
  result.immediate = {
    status: httpStatusNumber(reply.status?.code),
    body: Buffer.from(reply.body ?? []).toString("utf8"),
  };
  return result;
}

function applyMutation(mutation: HeaderMutation | undefined, into: Record<string, string>): void {
  for (const option of mutation?.set_headers ?? [])
    into[option.header.key.toLowerCase()] = headerValueText(option.header);
  for (const name of mutation?.remove_headers ?? []) delete into[name.toLowerCase()];
}

function split(body: Buffer, size: number | undefined): Buffer[] {
  if (body.length === 0) return [];
  if (!size || size >= body.length) return [body];
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += size) chunks.push(body.subarray(offset, offset + size));
  return chunks;
}
