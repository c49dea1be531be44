import { readFileSync } from "node:fs";
import type { DataSource, UpstreamTlsContext } from "../config/envoy-types.js";

/**
 * Node TLS client options from an UpstreamTlsContext (what Istio makes of a DestinationRule):
 * the CA to verify against (system CAs when unset), the SNI, and whether to verify at all.
 */
export interface UpstreamTlsOptions {
  ca?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export function upstreamTlsOptions(context: UpstreamTlsContext): UpstreamTlsOptions {
  const trusted = context.common_tls_context?.validation_context?.trusted_ca;
  return {
    ...(trusted ? { ca: readDataSource(trusted) } : {}),
    ...(context.sni ? { servername: context.sni } : {}),
    rejectUnauthorized: context.insecure_skip_verify !== true,
  };
}

export function readDataSource(source: DataSource): string {
  if (source.inline_string !== undefined) return source.inline_string;
  return readFileSync(source.filename as string, "utf8");
}
