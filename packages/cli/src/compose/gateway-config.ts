import type { EnvoyConfig } from "@testbed/cluster";
import { rewriteAddresses } from "./compose-addresses.js";

/** Where the certs service leaves each gateway listener's certificate (see `testbed certs`). */
export const INGRESS_CERT_DIR = "/etc/testbed/ingress";

/** The few parts of an Envoy bootstrap this file reads and rewrites. */
interface BootstrapShape {
  admin?: { address?: { socket_address?: { address?: string } } };
  static_resources?: {
    listeners?: Array<{
      filter_chains?: Array<{
        transport_socket?: { typed_config?: { common_tls_context?: { tls_certificates?: unknown[] } } };
      }>;
    }>;
  };
}

/**
 * The mesh controller's Envoy config for one gateway, as a compose container runs it: upstream
 * endpoints on the compose network, the admin API reachable from the host, and listener
 * certificates read from files the certs service wrote (the embedded config inlines the Secret,
 * whose key changes every run — a file path keeps the rendered config stable).
 */
export function composeGatewayConfig(config: EnvoyConfig, certificateSecrets: string[]): EnvoyConfig {
  const copy = rewriteAddresses(structuredClone(config)) as BootstrapShape;
  const admin = copy.admin?.address?.socket_address;
  if (admin) admin.address = "0.0.0.0";
  for (const listener of copy.static_resources?.listeners ?? []) {
    for (const chain of listener.filter_chains ?? []) {
      const context = chain.transport_socket?.typed_config?.common_tls_context;
      if (!context || !Array.isArray(context.tls_certificates)) continue;
      context.tls_certificates = context.tls_certificates.map((_certificate, index) => {
        const secret = certificateSecrets[index] ?? certificateSecrets[0] ?? "default";
        return {
          certificate_chain: { filename: `${INGRESS_CERT_DIR}/${secret}/tls.crt` },
          private_key: { filename: `${INGRESS_CERT_DIR}/${secret}/tls.key` },
        };
      });
    }
  }
  return copy as EnvoyConfig;
}
