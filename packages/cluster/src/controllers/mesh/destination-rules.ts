// DestinationRule trafficPolicy.tls → the cluster's Envoy transport_socket, as Istio translates it:
// SIMPLE = TLS verified against caCertificates (system CAs when unset) with the rule's SNI and SANs;
// MUTUAL adds the client certificate; DISABLE (and no rule) = plaintext. insecureSkipVerify turns
// verification off. ISTIO_MUTUAL needs mesh certificates the testbed does not issue: plaintext.
// Host matching: an exact host (short names resolved in the rule's namespace) beats a wildcard; the
// longest wildcard beats shorter ones; ties go to the oldest rule. A portLevelSettings entry replaces
// the rule's policy for its port (nothing is inherited).
import type { KubeObject } from "@testbed/apimachinery";
import { byAge, type MeshSnapshot } from "./mesh-snapshot.js";
import { CLUSTER_DOMAIN } from "./names.js";

const UPSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

interface ClientTlsSettings {
  mode?: string;
  caCertificates?: string;
  clientCertificate?: string;
  privateKey?: string;
  subjectAltNames?: string[];
  sni?: string;
  insecureSkipVerify?: boolean;
}

/** The rule's host as a FQDN (or a `*.suffix` wildcard). */
export function ruleHostFqdn(host: string, namespace: string | undefined): string {
  if (host === "*" || host.startsWith("*.")) return host;
  const dots = host.split(".").length - 1;
  if (dots === 0) return `${host}.${namespace ?? "default"}.svc.${CLUSTER_DOMAIN}`;
  if (dots === 1) return `${host}.svc.${CLUSTER_DOMAIN}`;
  if (host.endsWith(".svc")) return `${host}.${CLUSTER_DOMAIN}`;
  return host;
}

/** How well a rule's host matches a FQDN: higher is more specific, undefined is no match. */
function hostScore(ruleHost: string, fqdn: string): number | undefined {
  if (ruleHost === fqdn) return Number.MAX_SAFE_INTEGER;
  if (ruleHost === "*") return 0;
  if (ruleHost.startsWith("*.") && fqdn.endsWith(ruleHost.slice(1))) return ruleHost.length;
  return undefined;
}

/** The DestinationRule that applies to a host, if any. */
export function destinationRuleFor(snapshot: MeshSnapshot, fqdn: string): KubeObject | undefined {
  let best: { rule: KubeObject; score: number } | undefined;
  for (const rule of [...snapshot.destinationRules].sort(byAge)) {
    const host = typeof rule.spec?.host === "string" ? ruleHostFqdn(rule.spec.host, rule.metadata.namespace) : "";
    const score = hostScore(host, fqdn);
    if (score !== undefined && (!best || score > best.score)) best = { rule, score };
  }
  return best?.rule;
}

/** A DestinationRule's traffic policy as the mesh reads it: TLS and the connection pool. */
export interface PortTrafficPolicy {
  tls?: ClientTlsSettings;
  connectionPool?: ConnectionPoolSettings;
}

export interface ConnectionPoolSettings {
  tcp?: { maxConnections?: number };
  http?: { http1MaxPendingRequests?: number; http2MaxRequests?: number; maxRetries?: number };
}

/**
 * The traffic policy that applies to a host's port: the rule's, or its portLevelSettings entry for
 * the port, which replaces it whole (Istio: "port level policies do not inherit"). Undefined when
 * no rule applies.
 */
export function trafficPolicyFor(snapshot: MeshSnapshot, fqdn: string, port: number): PortTrafficPolicy | undefined {
  const policy = destinationRuleFor(snapshot, fqdn)?.spec?.trafficPolicy;
  if (!policy) return undefined;
  const portLevel = (policy.portLevelSettings ?? []) as Array<PortTrafficPolicy & { port?: { number?: number } }>;
  return portLevel.find((setting) => Number(setting.port?.number) === port) ?? policy;
}

/** The Envoy transport_socket for a port's policy, or undefined for plaintext. */
export function upstreamTransportSocket(policy: PortTrafficPolicy | undefined): Record<string, unknown> | undefined {
  return policy?.tls ? transportSocket(policy.tls) : undefined;
}

export function transportSocket(tls: ClientTlsSettings): Record<string, unknown> | undefined {
  if (tls.mode !== "SIMPLE" && tls.mode !== "MUTUAL") return undefined;
  const validation: Record<string, unknown> = {};
  if (tls.caCertificates && !tls.insecureSkipVerify) validation.trusted_ca = { filename: tls.caCertificates };
  if (tls.subjectAltNames?.length && !tls.insecureSkipVerify) {
    validation.match_typed_subject_alt_names = tls.subjectAltNames.map((san) => ({
      san_type: "DNS",
      matcher: { exact: san },
    }));
  }
  const common: Record<string, unknown> = {};
  if (Object.keys(validation).length > 0) common.validation_context = validation;
  if (tls.mode === "MUTUAL" && tls.clientCertificate && tls.privateKey) {
    common.tls_certificates = [
      { certificate_chain: { filename: tls.clientCertificate }, private_key: { filename: tls.privateKey } },
    ];
  }
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": UPSTREAM_TLS_TYPE,
      ...(tls.sni ? { sni: tls.sni } : {}),
      ...(Object.keys(common).length > 0 ? { common_tls_context: common } : {}),
      ...(tls.insecureSkipVerify ? { insecure_skip_verify: true } : {}),
    },
  };
}
