import * as grpc from "@grpc/grpc-js";
import { GrpcStreamServer, type ServerStreamCall, type StreamingMethod } from "@testbed/epp";
import {
  extProcService,
  type ProcessingRequest,
  type ProcessingResponse,
  requestHeadersResponse,
  responseHeadersResponse,
  setHeader,
  streamedBodyChunk,
} from "@testbed/protocol";

// The baseline: a trivial full-duplex ext_proc server that routes every request to one fixed
// endpoint and streams the body straight back — the cost of the protocol without any scheduling.
// Behind a gateway it also answers the response phase: headers as they are, each body chunk echoed.
// SERVER=testbed serves it on the EPP's own gRPC server instead of grpc-js's, so that the EPP's
// cost can be set beside the cost of the same transport with nothing to decide.
type Call =
  | grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>
  | ServerStreamCall<ProcessingRequest, ProcessingResponse>;

function echo(call: Call): void {
  const chunks: Buffer[] = [];
  call.on("data", (message: ProcessingRequest) => {
    if (message.request === "response_headers") {
      call.write(responseHeadersResponse());
      return;
    }
    if (message.request === "response_body") {
      const chunk = message.response_body;
      call.write(streamedBodyChunk("response_body", Buffer.from(chunk?.body ?? []), !!chunk?.end_of_stream));
      return;
    }
    if (message.request !== "request_body") return;
    chunks.push(Buffer.from(message.request_body?.body ?? []));
    if (!message.request_body?.end_of_stream) return;
    const body = Buffer.concat(chunks);
    call.write(
      requestHeadersResponse({
        setHeaders: [setHeader("x-gateway-destination-endpoint", "127.0.0.1:8000")],
        clearRouteCache: true,
      }),
    );
    call.write(streamedBodyChunk("request_body", body, true));
  });
  call.on("end", () => call.end());
}

const { definition } = extProcService();
if (process.env.SERVER === "testbed") {
  const server = new GrpcStreamServer();
  server.addMethod(definition.Process as StreamingMethod<ProcessingRequest, ProcessingResponse>, echo);
  const port = await server.listen("127.0.0.1", 0);
  process.stdout.write(`READY 127.0.0.1:${port}\n`);
} else {
  const server = new grpc.Server();
  server.addService(definition, { Process: echo });
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) throw error;
    process.stdout.write(`READY 127.0.0.1:${port}\n`);
  });
}

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
