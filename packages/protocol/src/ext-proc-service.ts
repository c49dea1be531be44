// envoy.service.ext_proc.v3.ExternalProcessor, for servers (addService) and clients.
import type * as grpc from "@grpc/grpc-js";
import type { ProcessingRequest, ProcessingResponse } from "./ext-proc-types.js";
import { loadProto, lookup } from "./proto-loader.js";

/** The service's fully qualified name, as grpc-js and Envoy's config name it. */
export const EXT_PROC_SERVICE_NAME = "envoy.service.ext_proc.v3.ExternalProcessor";
export const EXT_PROC_METHOD_PATH = `/${EXT_PROC_SERVICE_NAME}/Process`;

type ExtProcClientConstructor = grpc.ServiceClientConstructor;

export interface ExtProcClient extends grpc.Client {
  Process(
    metadata?: grpc.Metadata,
    options?: grpc.CallOptions,
  ): grpc.ClientDuplexStream<ProcessingRequest, ProcessingResponse>;
}

export interface ExtProcHandlers extends grpc.UntypedServiceImplementation {
  Process: grpc.handleBidiStreamingCall<ProcessingRequest, ProcessingResponse>;
}

export function extProcService(): { definition: grpc.ServiceDefinition; Client: ExtProcClientConstructor } {
  const root = loadProto("envoy/service/ext_proc/v3/external_processor.proto");
  const Client = lookup<ExtProcClientConstructor>(root, EXT_PROC_SERVICE_NAME);
  return { definition: Client.service, Client };
}
