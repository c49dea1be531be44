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

/**
 * Node TLS connect options under these settings. Envoy verifies the chain against the CA but not
 * the host name unless SAN matchers are configured (the testbed models none), so a pod reached by
 * IP with a Service-named certificate passes.
 */
export function nodeTlsOptions(tls: UpstreamTlsOptions) {
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
    checkServerIdentity: () => undefined,
  };
}

export function readDataSource(source: DataSource): string {
  if (source.inline_string !== undefined) return source.inline_string;
  return readFileSync(source.filename as string, "utf8");
}

/**
 * What the cluster's CA file holds now, to tell whether a cluster whose config is unchanged can be
 * kept across an update: Istio serves a DestinationRule's caCertificates through SDS and pushes a
 * new file's content to Envoy, so a changed file must reach new connections.
 */
export function trustedCaSnapshot(context: UpstreamTlsContext | undefined): string | undefined {
  const trusted = context?.common_tls_context?.validation_context?.trusted_ca;
  if (!trusted) return undefined;
  try {
    return readDataSource(trusted);
  } catch (error) {
    return `unreadable: ${(error as Error).message}`;
  }
}
