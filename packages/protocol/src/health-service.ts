// grpc.health.v1.Health with a status per service name. Check answers SERVICE_UNKNOWN for a name
// it does not know, as the EPP's health server does; Watch sends the current status and every change.
import * as grpc from "@grpc/grpc-js";
import { loadProto, lookup } from "./proto-loader.js";

/** A service's health as grpc.health.v1 reports it. */
export type ServingStatus = "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN" | "UNKNOWN";

export class HealthService {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<{ service: string; call: grpc.ServerWritableStream<unknown, unknown> }>();

  constructor(initial: Record<string, ServingStatus> = {}) {
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const watcher of this.watchers) if (watcher.service === service) watcher.call.write({ status });
  }

  definition(): grpc.ServiceDefinition {
    const root = loadProto("grpc/health/v1/health.proto");
    return lookup<grpc.ServiceClientConstructor>(root, "grpc.health.v1.Health").service;
  }

  handlers(): grpc.UntypedServiceImplementation {
    return {
      Check: (call: grpc.ServerUnaryCall<{ service?: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        callback(null, { status: this.statuses.get(call.request.service ?? "") ?? "SERVICE_UNKNOWN" });
      },
      Watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
        const service = call.request.service ?? "";
        const watcher = { service, call };
        this.watchers.add(watcher);
        call.write({ status: this.statuses.get(service) ?? "SERVICE_UNKNOWN" });
        call.on("cancelled", () => this.watchers.delete(watcher));
      },
    };
  }

  /** A client for the health service (used by the kubelet's gRPC probes and by tests). */
  static client(address: string, credentials = grpc.credentials.createInsecure()) {
    const root = loadProto("grpc/health/v1/health.proto");
    const Client = lookup<grpc.ServiceClientConstructor>(root, "grpc.health.v1.Health");
    return new Client(address, credentials) as unknown as grpc.Client & {
      Check(
        request: { service: string },
        callback: (error: grpc.ServiceError | null, response?: { status: string }) => void,
      ): void;
    };
  }
}
