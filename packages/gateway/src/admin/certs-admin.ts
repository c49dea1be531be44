// GET /certs (envoy.admin.v3.Certificates): per TLS context the gateway holds — each listener's
// DownstreamTlsContext, each cluster's UpstreamTlsContext — the CA it verifies with (`ca_cert`)
// and the certificate it presents (`cert_chain`): path (`<inline>` for inline data), serial
// number, SANs, days until expiration, validity. Nothing secret is printed.
import { X509Certificate } from "node:crypto";
import type { DataSource, GatewayConfig } from "../config/envoy-types.js";
import { readDataSource } from "../upstream/tls-options.js";
import { timestamp } from "./config-dump.js";

const DAY_MS = 86_400_000;

export function certificates(config: GatewayConfig, now: number): unknown {
  const contexts: Array<Record<string, unknown>> = [];
  for (const listener of config.listeners) {
    const chain = listener.tls?.common_tls_context?.tls_certificates?.[0]?.certificate_chain;
    if (chain) contexts.push({ cert_chain: details(chain, now) });
  }
  for (const cluster of config.clusters) {
    const common = cluster.tls?.common_tls_context;
    if (!cluster.tls) continue;
    const ca = common?.validation_context?.trusted_ca;
    const chain = common?.tls_certificates?.[0]?.certificate_chain;
    contexts.push({
      ...(ca ? { ca_cert: details(ca, now) } : {}),
      ...(chain ? { cert_chain: details(chain, now) } : {}),
    });
  }
  return { certificates: contexts };
}

function details(source: DataSource, now: number): Array<Record<string, unknown>> {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readDataSource(source));
  } catch {
    return [];
  }
  const validFrom = new Date(certificate.validFrom);
  const validTo = new Date(certificate.validTo);
  return [
    {
      path: source.filename ?? "<inline>",
      serial_number: certificate.serialNumber.toLowerCase(),
      subject_alt_names: subjectAltNames(certificate.subjectAltName),
      days_until_expiration: String(Math.max(0, Math.floor((validTo.getTime() - now) / DAY_MS))),
      valid_from: timestamp(validFrom),
      expiration_time: timestamp(validTo),
    },
  ];
}

function subjectAltNames(text: string | undefined): Array<Record<string, string>> {
  if (!text) return [];
  return text.split(", ").flatMap((entry): Array<Record<string, string>> => {
    const [kind = "", ...rest] = entry.split(":");
    const value = rest.join(":");
    if (kind === "DNS") return [{ dns: value }];
    if (kind === "URI") return [{ uri: value }];
    if (kind === "IP Address") return [{ ip_address: value }];
    return [];
  });
}
