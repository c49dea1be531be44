// Reading a filter's grpc_service (envoy_grpc cluster and timeout), as ext_authz and ratelimit configure it.
import { GatewayConfigError } from "../config/config-error.js";
import { duration } from "../config/config-reader.js";

/** grpc_service.envoy_grpc.cluster_name, which Envoy requires. */
export function clusterOf(grpcService: unknown, path: string): string {
  const name = (grpcService as { envoy_grpc?: { cluster_name?: unknown } } | undefined)?.envoy_grpc?.cluster_name;
  if (typeof name !== "string" || name === "")
    throw new GatewayConfigError(`${path}.envoy_grpc.cluster_name`, "is required");
  return name;
}

/** grpc_service.timeout in milliseconds, or the filter's default. */
export function timeoutOf(grpcService: unknown, fallbackSeconds: number, path: string): number {
  const timeout = (grpcService as { timeout?: unknown } | undefined)?.timeout;
  return (timeout === undefined ? fallbackSeconds : duration(timeout, path)) * 1000;
}
