// An HTTPS listener's certificate: the Secret its first certificateRef names (same namespace as the
// Gateway unless a ReferenceGrant allowed otherwise, which the testbed does not serve), inlined
// into a DownstreamTlsContext. A missing or incomplete Secret leaves the listener unprogrammed with
// Gateway API's InvalidCertificateRef.
import type { KubeObject } from "@testbed/apimachinery";
import { findObject, type MeshSnapshot } from "./mesh-snapshot.js";
import type { GatewayListenerView } from "./route-attachment.js";

/** An HTTPS listener's DownstreamTlsContext transport socket, or why it cannot have one. */
export type ListenerTls =
  | { ok: true; transportSocket: Record<string, unknown> }
  | { ok: false; reason: "InvalidCertificateRef" | "RefNotPermitted"; message: string };

const DOWNSTREAM_TLS_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

export function listenerTls(snapshot: MeshSnapshot, listener: GatewayListenerView): ListenerTls {
  const tls = (listener.spec.tls ?? {}) as { certificateRefs?: Array<Record<string, unknown>> };
  const ref = tls.certificateRefs?.[0];
  if (!ref?.name)
    return { ok: false, reason: "InvalidCertificateRef", message: "no certificateRefs on an HTTPS listener" };
  const namespace = String(ref.namespace ?? listener.gatewayNamespace);
  const name = String(ref.name);
  if ((ref.kind ?? "Secret") !== "Secret" || (ref.group ?? "") !== "") {
    return {
      ok: false,
      reason: "InvalidCertificateRef",
      message: `unsupported certificateRef kind ${String(ref.kind)}`,
    };
  }
  if (namespace !== listener.gatewayNamespace) {
    return {
      ok: false,
      reason: "RefNotPermitted",
      message: `certificateRef ${namespace}/${name} not permitted by any ReferenceGrant`,
    };
  }
  const secret = findObject(snapshot.secrets, namespace, name);
  const cert = secret ? secretValue(secret, "tls.crt") : undefined;
  const key = secret ? secretValue(secret, "tls.key") : undefined;
  if (!cert || !key) {
    return {
      ok: false,
      reason: "InvalidCertificateRef",
      message: secret
        ? `invalid certificate reference /Secret/${namespace}/${name}, the secret has no tls.crt/tls.key`
        : `invalid certificate reference /Secret/${namespace}/${name}, secret ${namespace}/${name} not found`,
    };
  }
  return {
    ok: true,
    transportSocket: {
      name: "envoy.transport_sockets.tls",
      typed_config: {
        "@type": DOWNSTREAM_TLS_TYPE,
        common_tls_context: {
          tls_certificates: [{ certificate_chain: { inline_string: cert }, private_key: { inline_string: key } }],
          // Istio's gateway TLS context offers util.ALPNHttp (pilot/pkg/networking/util): HTTP/2 for clients that want it.
          alpn_protocols: ["h2", "http/1.1"],
        },
      },
    },
  };
}

/** A Secret value from `data` (base64, as the API stores it) or `stringData`. */
export function secretValue(secret: KubeObject, key: string): string | undefined {
  const data = secret.data as Record<string, string> | undefined;
  if (typeof data?.[key] === "string") return Buffer.from(data[key], "base64").toString("utf8");
  const stringData = secret.stringData as Record<string, string> | undefined;
  return typeof stringData?.[key] === "string" ? stringData[key] : undefined;
}
