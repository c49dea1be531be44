import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** Where the testbed's own .proto files live. */
export const PROTO_DIR = fileURLToPath(new URL("../proto", import.meta.url));

/**
 * How messages look in JavaScript: snake_case field names as in the .proto (so they read like
 * Envoy's docs), enums as their names, bytes as Buffers, and a virtual field naming each set oneof.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const cache = new Map<string, grpc.GrpcObject>();

/** Load one of our .proto files (path relative to the proto directory) into a grpc-js object tree. */
export function loadProto(file: string): grpc.GrpcObject {
  let loaded = cache.get(file);
  if (!loaded) {
    loaded = grpc.loadPackageDefinition(protoLoader.loadSync(file, LOADER_OPTIONS));
    cache.set(file, loaded);
  }
  return loaded;
}

/** Walk a dotted package path (e.g. "envoy.service.ext_proc.v3.ExternalProcessor") in a loaded tree. */
export function lookup<T>(root: grpc.GrpcObject, dotted: string): T {
  let node: unknown = root;
  for (const part of dotted.split(".")) {
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (node === undefined) throw new Error(`${dotted} is not in the loaded protos`);
  }
  return node as T;
}
