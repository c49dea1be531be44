// An in-test ext_proc server whose answers a script decides, message by message, recording every
// message it receives (for tests of how the gateway takes each kind of answer).
import * as grpc from "@grpc/grpc-js";
import { extProcService, type ProcessingRequest, type ProcessingResponse } from "@testbed/protocol";

/** The answers to one message; "error" ends the stream with gRPC INTERNAL "processor exploded". */
export type ProcessorScript = (
  message: ProcessingRequest,
  received: ProcessingRequest[],
) => ProcessingResponse[] | "error";

export interface ScriptedGrpcProcessor {
  address: string;
  received: ProcessingRequest[];
  script: ProcessorScript;
  close(): Promise<void>;
}

export async function startScriptedGrpcProcessor(): Promise<ScriptedGrpcProcessor> {
  const processor: ScriptedGrpcProcessor = {
    address: "",
    received: [],
    script: () => [],
    close: async () => {},
  };
  const server = new grpc.Server();
  server.addService(extProcService().definition, {
    Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
      const received: ProcessingRequest[] = [];
      call.on("data", (message: ProcessingRequest) => {
        processor.received.push(message);
        received.push(message);
        const answers = processor.script(message, received);
        if (answers === "error") {
          call.emit("error", { code: grpc.status.INTERNAL, details: "processor exploded" });
          return;
        }
        for (const answer of answers) call.write(answer);
      });
      call.on("end", () => call.end());
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
