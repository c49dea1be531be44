// The two services Kuadrant plugs into Envoy: Authorino answers ext_authz Check, Limitador answers
// ShouldRateLimit. Service definitions for servers, constructors for clients.
import type * as grpc from "@grpc/grpc-js";
import { loadProto, lookup } from "./proto-loader.js";

export const AUTHORIZATION_SERVICE_NAME = "envoy.service.auth.v3.Authorization";
export const RATE_LIMIT_SERVICE_NAME = "envoy.service.ratelimit.v3.RateLimitService";

export function authorizationService(): { definition: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } {
  const Client = lookup<grpc.ServiceClientConstructor>(
    loadProto("envoy/service/auth/v3/external_auth.proto"),
    AUTHORIZATION_SERVICE_NAME,
  );
  return { definition: Client.service, Client };
}

export function rateLimitService(): { definition: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } {
  const Client = lookup<grpc.ServiceClientConstructor>(
    loadProto("envoy/service/ratelimit/v3/rls.proto"),
    RATE_LIMIT_SERVICE_NAME,
  );
  return { definition: Client.service, Client };
}
