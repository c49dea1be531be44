// Envoy's MessageUtil::redact() (source/common/protobuf/utility.cc), which /config_dump runs over
// the whole dump before printing it (ConfigDumpHandler::handlerConfigDump): under a field the API
// marks `(udpa.annotations.sensitive) = true`, every string becomes "[redacted]", every bytes field
// the bytes of "[redacted]" (base64 in JSON) and every other scalar is cleared. Without it, anyone
// who can reach the admin port reads the listener's TLS private key.

/** The text Envoy prints in place of a sensitive value. */
export const REDACTED = "[redacted]";

/**
 * Sensitive fields, by the field that holds their message: TlsCertificate (an entry of
 * `tls_certificates` or a Secret's `tls_certificate`) .private_key/.password/.pkcs12,
 * TlsSessionTicketKeys.keys, GenericSecret.secret and GoogleGrpc.SslCredentials.private_key.
 */
const SENSITIVE: Record<string, ReadonlySet<string>> = {
  tls_certificates: new Set(["private_key", "password", "pkcs12"]),
  tls_certificate: new Set(["private_key", "password", "pkcs12"]),
  session_ticket_keys: new Set(["keys"]),
  generic_secret: new Set(["secret"]),
  ssl_credentials: new Set(["private_key"]),
};

/** DataSource's bytes fields: JSON prints bytes as base64. */
const BYTES_FIELDS = new Set(["inline_bytes"]);

/** A copy of `value` (a config or a whole dump) with every sensitive field redacted. */
export function redact(value: unknown, holder = ""): unknown {
  if (Array.isArray(value)) return value.map((item) => redact(item, holder));
  if (!value || typeof value !== "object") return value;
  const sensitive = SENSITIVE[holder];
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (sensitive?.has(key)) {
      const redacted = redactAll(child, key);
      if (redacted !== undefined) out[key] = redacted;
    } else out[key] = redact(child, key);
  }
  return out;
}

/** Everything under a sensitive field: strings and bytes replaced, other scalars cleared. */
function redactAll(value: unknown, key: string): unknown {
  if (typeof value === "string") return BYTES_FIELDS.has(key) ? Buffer.from(REDACTED).toString("base64") : REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactAll(item, key)).filter((item) => item !== undefined);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [name, child] of Object.entries(value)) {
      const redacted = redactAll(child, name);
      if (redacted !== undefined) out[name] = redacted;
    }
    return out;
  }
  return undefined;
}
