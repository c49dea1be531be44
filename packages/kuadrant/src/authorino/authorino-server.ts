// Authorino as a gRPC service: envoy.service.auth.v3.Authorization/Check. A denial is
// google.rpc.Status UNAUTHENTICATED (16) or PERMISSION_DENIED (7) with the HTTP status and headers;
// success is OK with the identity headers and dynamic metadata. Log lines never contain keys.
import * as grpc from "@grpc/grpc-js";
import { type Clock, type LogSink, stderrSink, systemClock } from "@testbed/common";
import { authorizationService, setHeader, toStruct } from "@testbed/protocol";
import type { KubernetesSecret } from "./api-key-secrets.js";
import type { AuthConfig } from "./auth-config.js";
import { AuthorinoEngine } from "./authorino-engine.js";

export interface AuthorinoOptions {
  host: string;
  port: number;
  authConfigs: AuthConfig[];
  secrets: KubernetesSecret[];
  log: LogSink;
  /** Decides API key expiry (default the wall clock). */
  clock: Clock;
}

export interface AuthorinoHandle {
  address: string;
  engine: AuthorinoEngine;
  close(): Promise<void>;
}

interface CheckRequest {
  attributes?: {
    request?: { http?: { method?: string; path?: string; host?: string; headers?: Record<string, string> } };
  };
}

const GRPC_CODE_FOR_STATUS: Record<number, number> = { 401: 16, 403: 7, 404: 5 };

export async function startAuthorino(options: Partial<AuthorinoOptions> = {}): Promise<AuthorinoHandle> {
  const log = options.log ?? stderrSink;
  const engine = new AuthorinoEngine(options.clock ?? systemClock);
  engine.setAuthConfigs(options.authConfigs ?? []);
  engine.setSecrets(options.secrets ?? []);
  const server = new grpc.Server();
  server.addService(authorizationService().definition, {
    Check(call: grpc.ServerUnaryCall<CheckRequest, unknown>, callback: grpc.sendUnaryData<unknown>) {
      try {
        const http = call.request.attributes?.request?.http ?? {};
        const headers = Object.fromEntries(Object.entries(http.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
        const decision = engine.check({
          host: http.host ?? headers[":authority"] ?? "",
          method: http.method ?? "GET",
          path: http.path ?? "/",
          headers,
        });
        if (!decision.allowed) {
          // The path without its query string: a key may travel as a query parameter.
          log(
            `authorino: denied ${http.method ?? ""} ${(http.path ?? "").split("?")[0]} ${decision.status} ${decision.reason}`,
          );
          callback(null, {
            status: { code: GRPC_CODE_FOR_STATUS[decision.status] ?? 7, message: decision.reason },
            denied_response: {
              status: { code: decision.status },
              headers: Object.entries(decision.headers).map(([k, v]) => setHeader(k, v)),
            },
          });
          return;
        }
        callback(null, {
          status: { code: 0 },
          ok_response: { headers: Object.entries(decision.headers).map(([k, v]) => setHeader(k, v)) },
          ...(Object.keys(decision.metadata).length > 0 ? { dynamic_metadata: toStruct(decision.metadata) } : {}),
        });
      } catch (error) {
        callback({ code: grpc.status.INTERNAL, details: (error as Error).message });
      }
    },
  });
  const host = options.host ?? "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 50051}`, grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  log(`authorino: serving envoy.service.auth.v3.Authorization on ${host}:${port}`);
  return {
    address: `${host}:${port}`,
    engine,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
