// DestinationRule trafficPolicy.tls → the cluster's Envoy transport_socket, as Istio translates it
// (pilot/pkg/networking/core/cluster_tls.go, 1.26.2-redhat, the same in 1.27–1.29): SIMPLE = TLS
// verified against caCertificates served over SDS (system CAs when unset) with the rule's SNI and
// SANs; MUTUAL adds the client certificate; no `sni` → auto SNI and auto SAN validation from the
// request's Host; DISABLE (and no rule) = plaintext. insecureSkipVerify turns verification off.
// ISTIO_MUTUAL needs mesh certificates the testbed does not issue: plaintext.
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
export function upstreamTransportSocket(
  policy: PortTrafficPolicy | undefined,
  options: { http2?: boolean } = {},
): Record<string, unknown> | undefined {
  return policy?.tls ? transportSocket(policy.tls, options) : undefined;
}

/** Istio's SDS config source: the istio-agent's SDS server behind the `sds-grpc` cluster. */
const SDS_CONFIG = {
  api_config_source: {
    api_type: "GRPC",
    set_node_on_first_message_only: true,
    transport_api_version: "V3",
    grpc_services: [{ envoy_grpc: { cluster_name: "sds-grpc" } }],
  },
  resource_api_version: "V3",
};

/**
 * SIMPLE and MUTUAL as cluster_tls.go constructUpstreamTLS builds them: TLS 1.2–1.3; the CA served
 * over SDS as `file-root:<caCertificates>` (`file-root:system` when unset) with the rule's
 * subjectAltNames as exact match_subject_alt_names; insecureSkipVerify → an empty validation
 * context (nothing verified); MUTUAL's client pair as `file-cert:<cert>~<key>`; ALPN h2 on HTTP/2
 * clusters. `sni` is set only when the rule gives one (auto_sni covers the rest, see below).
 */
export function transportSocket(
  tls: ClientTlsSettings,
  options: { http2?: boolean } = {},
): Record<string, unknown> | undefined {
  if (tls.mode !== "SIMPLE" && tls.mode !== "MUTUAL") return undefined;
  const common: Record<string, unknown> = {
    tls_params: { tls_minimum_protocol_version: "TLSv1_2", tls_maximum_protocol_version: "TLSv1_3" },
  };
  if (tls.mode === "MUTUAL" && tls.clientCertificate && tls.privateKey) {
    common.tls_certificate_sds_secret_configs = [
      { name: `file-cert:${tls.clientCertificate}~${tls.privateKey}`, sds_config: SDS_CONFIG },
    ];
  }
  if (tls.insecureSkipVerify) {
    common.validation_context = {};
  } else {
    common.combined_validation_context = {
      default_validation_context: {
        ...(tls.subjectAltNames?.length
          ? { match_subject_alt_names: tls.subjectAltNames.map((exact) => ({ exact })) }
          : {}),
      },
      validation_context_sds_secret_config: {
        name: `file-root:${tls.caCertificates || "system"}`,
        sds_config: SDS_CONFIG,
      },
    };
  }
  if (options.http2) common.alpn_protocols = ["h2"];
  return {
    name: "envoy.transport_sockets.tls",
    typed_config: {
      "@type": UPSTREAM_TLS_TYPE,
      common_tls_context: common,
      ...(tls.sni ? { sni: tls.sni } : {}),
    },
  };
}

/**
 * cluster_tls.go setAutoSniAndAutoSanValidation (SIMPLE/MUTUAL only): no `sni` → auto_sni (the
 * upstream request's Host becomes the SNI); no `sni`, no subjectAltNames and verification on →
 * auto_san_validation too (the certificate must name that Host). Both go on the cluster's
 * HttpProtocolOptions.upstream_http_protocol_options.
 */
export function autoSniOptions(policy: PortTrafficPolicy | undefined): Record<string, boolean> | undefined {
  const tls = policy?.tls;
  if (!tls || (tls.mode !== "SIMPLE" && tls.mode !== "MUTUAL") || tls.sni) return undefined;
  const sanValidation = !tls.subjectAltNames?.length && !tls.insecureSkipVerify;
  return { auto_sni: true, ...(sanValidation ? { auto_san_validation: true } : {}) };
}
