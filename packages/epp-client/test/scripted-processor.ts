// An in-memory ext_proc call for hermetic tests: every request the exchange sends is recorded, and
// a script decides the processor's answers, delivered asynchronously as a real stream would.
import { type Clock, SimulatedClock } from "@testbed/common";
import {
  extProcService,
  type ProcessingMode,
  type ProcessingRequest,
  type ProcessingResponse,
} from "@testbed/protocol";
import {
  CHUNK_BYTES,
  DEFAULT_BUFFER_LIMIT_BYTES,
  type ExchangeCounter,
  type ExchangeSettings,
  ProcessorStream,
} from "../src/client.js";
import type { ProcessingCall } from "../src/ext-proc-session.js";

/** ExternalProcessor.Process as grpc-js holds it: its four (de)serializers. */
interface ProcessMethod {
  requestSerialize(value: ProcessingRequest): Buffer;
  requestDeserialize(bytes: Buffer): ProcessingRequest;
  responseSerialize(value: ProcessingResponse): Buffer;
  responseDeserialize(bytes: Buffer): ProcessingResponse;
}

const process = () => extProcService().definition.Process as unknown as ProcessMethod;

/** A request as the processor decodes it off the wire (with the oneof's name in `request`). */
export function onTheWire(message: ProcessingRequest): ProcessingRequest {
  return process().requestDeserialize(process().requestSerialize(message));
}

/** A response as the client decodes it off the wire (with the oneof's name in `response`). */
export function answerOnTheWire(message: ProcessingResponse): ProcessingResponse {
  return process().responseDeserialize(process().responseSerialize(message));
}

/** What the processor answers to one message, given everything it received so far. */
export type Script = (request: ProcessingRequest, received: ProcessingRequest[]) => ProcessingResponse[];

export interface ScriptedProcessor {
  /** Every message the exchange sent, in order. */
  received: ProcessingRequest[];
  /** Every answer the processor sent, in order. */
  answered: ProcessingResponse[];
  call: ProcessingCall;
  /** Our side half-closed. */
  ended: boolean;
  cancelled: boolean;
}

export function scriptedProcessor(script: Script): ScriptedProcessor {
  const listeners: { data?: (response: ProcessingResponse) => void } = {};
  const processor: ScriptedProcessor = {
    received: [],
    answered: [],
    ended: false,
    cancelled: false,
    call: {
      // Both directions go through the real encoding, so the exchange reads what a stream delivers.
      write(sent) {
        const message = onTheWire(sent);
        processor.received.push(message);
        for (const answer of script(message, processor.received).map(answerOnTheWire)) {
          processor.answered.push(answer);
          queueMicrotask(() => listeners.data?.(answer));
        }
        return true;
      },
      end() {
        processor.ended = true;
      },
      cancel() {
        processor.cancelled = true;
      },
      on(event: string, listener: (value: never) => void) {
        if (event === "data") listeners.data = listener as (response: ProcessingResponse) => void;
        return this;
      },
    },
  };
  return processor;
}

export interface Harness {
  processor: ScriptedProcessor;
  stream: ProcessorStream;
  settings: ExchangeSettings;
  counts: Partial<Record<ExchangeCounter, number>>;
  clock: SimulatedClock;
}

/** A stream and settings over a scripted processor, on a simulated clock (message timeout 200 ms). */
export function harness(script: Script, mode: Partial<ProcessingMode> = {}, clock = new SimulatedClock()): Harness {
  const processor = scriptedProcessor(script);
  const counts: Partial<Record<ExchangeCounter, number>> = {};
  const count = (counter: ExchangeCounter) => {
    counts[counter] = (counts[counter] ?? 0) + 1;
  };
  const settings: ExchangeSettings = {
    mode: {
      request_header_mode: "SEND",
      response_header_mode: "SEND",
      request_body_mode: "NONE",
      response_body_mode: "NONE",
      request_trailer_mode: "SKIP",
      response_trailer_mode: "SKIP",
      ...mode,
    },
    allowModeOverride: false,
    receivingNamespaces: ["envoy.lb"],
    bufferLimitBytes: DEFAULT_BUFFER_LIMIT_BYTES,
    chunkBytes: CHUNK_BYTES,
    count,
  };
  const stream = new ProcessorStream({
    open: () => ({ call: processor.call }),
    clock: clock as Clock,
    messageTimeoutMs: 200,
    protocolConfig: () => ({
      request_body_mode: settings.mode.request_body_mode,
      response_body_mode: settings.mode.response_body_mode,
    }),
    count,
  });
  return { processor, stream, settings, counts, clock };
}
