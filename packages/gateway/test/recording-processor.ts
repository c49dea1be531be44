// An in-test ext_proc server with switchable behaviour, recording every message it receives.
import * as grpc from "@grpc/grpc-js";
import {
  extProcService,
  immediateResponse,
  type ProcessingRequest,
  type ProcessingResponse,
  requestBodyResponse,
  requestHeadersResponse,
  requestTrailersResponse,
  responseBodyResponse,
  responseHeadersResponse,
  responseTrailersResponse,
  setHeader,
  streamedBodyChunk,
} from "@testbed/protocol";

/**
 * Decides the processor's answers: a well-behaved processor for any mode (adds `x-processed: true`,
 * optionally upper-cases bodies), one that never answers, one that answers 403 at once, one that errors,
 * and one that, in a full-duplex response, holds every answer until the body's end_of_stream has
 * arrived (allowed by Envoy's FULL_DUPLEX_STREAMED contract: "buffer the entire message, including
 * the headers … before sending back any response"), and one that breaks that contract by echoing
 * response body chunks before it answers the response headers; "keep-open" answers like "answer"
 * but never ends its side of the stream.
 */
export type Behaviour =
  | "answer"
  | "silent"
  | "deny"
  | "error"
  | "uppercase"
  | "hold-response"
  | "body-before-headers"
  | "keep-open";

export interface TestProcessor {
  address: string;
  received: ProcessingRequest[];
  /** Streams opened under "keep-open" that are now closed (only the gateway can have closed them). */
  keptOpenStreamsClosed: number;
  behaviour: Behaviour;
  close(): Promise<void>;
}

export async function startTestProcessor(): Promise<TestProcessor> {
  const processor: TestProcessor = {
    address: "",
    received: [],
    keptOpenStreamsClosed: 0,
    behaviour: "answer",
    close: async () => {},
  };
  const server = new grpc.Server();
  server.addService(extProcService().definition, {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      let fullDuplexRequest = false;
      let fullDuplexResponse = false;
      const heldResponse: ProcessingResponse[] = [];
      // Fixed when the stream opens, so streams of earlier tests closing late are not counted.
      const keepOpen = processor.behaviour === "keep-open";
      call.on("data", (message: ProcessingRequest) => {
        processor.received.push(message);
        if (message.protocol_config) {
          fullDuplexRequest = message.protocol_config.request_body_mode === "FULL_DUPLEX_STREAMED";
          fullDuplexResponse = message.protocol_config.response_body_mode === "FULL_DUPLEX_STREAMED";
        }
        const behaviour = processor.behaviour;
        if (behaviour === "silent") return;
        if (behaviour === "deny") {
          call.write(immediateResponse(403, "denied by test processor"));
          call.end();
          return;
        }
        if (behaviour === "error") {
          call.emit("error", { code: grpc.status.INTERNAL, details: "processor exploded" });
          return;
        }
        const transform = (body: Buffer) =>
          behaviour === "uppercase" ? Buffer.from(body.toString("utf8").toUpperCase()) : body;
        switch (message.request) {
          case "request_headers":
            if (!fullDuplexRequest)
              call.write(requestHeadersResponse({ setHeaders: [setHeader("x-processed", "true")] }));
            else if (message.request_headers?.end_of_stream)
              call.write(requestHeadersResponse({ setHeaders: [setHeader("x-processed", "true")] }));
            return;
          case "request_body": {
            const body = Buffer.from(message.request_body?.body ?? []);
            const eos = message.request_body?.end_of_stream === true;
            if (fullDuplexRequest) {
              if (eos || body.length > 0) {
                if (processor.received.filter((m) => m.request === "request_body").length === 1) {
                  call.write(requestHeadersResponse({ setHeaders: [setHeader("x-processed", "true")] }));
                }
                call.write(streamedBodyChunk("request_body", transform(body), eos));
              }
              return;
            }
            call.write(
              behaviour === "uppercase"
                ? { request_body: { response: { body_mutation: { body: transform(body) } } } }
                : requestBodyResponse(),
            );
            return;
          }
          case "request_trailers":
            if (!fullDuplexRequest) call.write(requestTrailersResponse());
            return;
          case "response_headers": {
            const answer = responseHeadersResponse({ setHeaders: [setHeader("x-response-processed", "true")] });
            const holds = behaviour === "hold-response" || behaviour === "body-before-headers";
            if (holds && fullDuplexResponse) heldResponse.push(answer);
            else call.write(answer);
            return;
          }
          case "response_body": {
            const body = Buffer.from(message.response_body?.body ?? []);
            const eos = message.response_body?.end_of_stream === true;
            if (fullDuplexResponse && behaviour === "hold-response") {
              heldResponse.push(streamedBodyChunk("response_body", body, eos));
              if (eos) for (const answer of heldResponse.splice(0)) call.write(answer);
            } else if (fullDuplexResponse && behaviour === "body-before-headers") {
              call.write(streamedBodyChunk("response_body", body, eos));
              if (eos) for (const answer of heldResponse.splice(0)) call.write(answer);
            } else if (fullDuplexResponse) call.write(streamedBodyChunk("response_body", transform(body), eos));
            else
              call.write(
                behaviour === "uppercase"
                  ? { response_body: { response: { body_mutation: { body: transform(body) } } } }
                  : responseBodyResponse(),
              );
            return;
          }
          case "response_trailers":
            call.write(responseTrailersResponse());
            return;
        }
      });
      call.on("end", () => {
        if (!keepOpen) call.end();
      });
      // grpc-js reports every close as "cancelled"; a keep-open stream closes only when reset.
      call.on("cancelled", () => {
        if (keepOpen) processor.keptOpenStreamsClosed++;
      });
      call.on("error", () => {});
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  processor.address = `127.0.0.1:${port}`;
  processor.close = () => new Promise((resolve) => server.tryShutdown(() => resolve()));
  return processor;
}
