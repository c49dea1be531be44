import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import type { PeerCertificate } from "node:tls";
import type { DataSource, SanMatcher, UpstreamTlsContext } from "../config/envoy-types.js";
import { sanVerificationError } from "./san-verification.js";

/**
 * Node TLS client options from an UpstreamTlsContext (what Istio makes of a DestinationRule):
 * the CA to verify against (system CAs when unset or `file-root:system`), the SNI, whether to
 * verify at all, and the SAN matchers checked once the chain verified.
 */
export interface UpstreamTlsOptions {
  ca?: string;
  servername?: string;
  rejectUnauthorized: boolean;
  sanMatchers: SanMatcher[];
}

/** What one upstream request adds under auto_sni / auto_san_validation: its own SNI and SAN list. */
export interface RequestTransport {
  servername?: string;
  verifySans?: string[];
}

export function upstreamTlsOptions(context: UpstreamTlsContext): UpstreamTlsOptions {
  const validation = context.common_tls_context?.validation_context;
  const trusted = validation?.trusted_ca;
  return {
    ...(trusted ? { ca: readDataSource(trusted) } : {}),
    ...(context.sni ? { servername: context.sni } : {}),
    rejectUnauthorized: context.insecure_skip_verify !== true,
    sanMatchers: validation?.san_matchers ?? [],
  };
}

/**
 * Node TLS connect options under these settings. Envoy verifies the chain against the CA and then
 * only the SANs it was told to (SAN matchers, auto_san_validation's Host): never the host name by
 * itself, so a pod reached by IP with a Service-named certificate passes when nothing asks for SANs.
 * A SAN failure is reported as Node's ERR_TLS_CERT_ALTNAME_INVALID (counted ssl.fail_verify_san).
 */
export function nodeTlsOptions(tls: UpstreamTlsOptions, transport: RequestTransport = {}) {
  const servername = transport.servername ?? tls.servername;
  const verifySans = transport.verifySans ?? [];
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(servername ? { servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
    checkServerIdentity: (_host: string, certificate: PeerCertificate) => {
      if (!tls.rejectUnauthorized) return undefined;
      const reason = sanVerificationError(certificate, tls.sanMatchers, verifySans);
      if (!reason) return undefined;
      return Object.assign(new Error(reason), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    },
  };
}

/**
 * The request's SNI and SAN list under the cluster's auto_sni / auto_san_validation (Envoy's router:
 * the Host without its port; no SNI for an IP address, whose SAN list is still checked).
 */
export function requestTransport(
  authority: string | undefined,
  options: { autoSni?: boolean | undefined; autoSanValidation?: boolean | undefined },
): RequestTransport {
  if (!authority || (!options.autoSni && !options.autoSanValidation)) return {};
  const host = authority.startsWith("[") ? authority.slice(1, authority.indexOf("]")) : authority.replace(/:\d+$/, "");
  return {
    ...(options.autoSni && isIP(host) === 0 ? { servername: host } : {}),
    ...(options.autoSanValidation ? { verifySans: [host] } : {}),
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
