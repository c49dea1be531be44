// An upstream transport_socket's UpstreamTlsContext read into what the gateway enforces, in the
// shapes Envoy accepts and Istio emits (cluster_tls.go): a plain validation_context, or a
// combined_validation_context whose CA comes over SDS. Istio's SDS resources name files the
// istio-agent serves: `file-root:<ca path>` (`file-root:system`: the system CAs) and
// `file-cert:<cert>~<key>`; the gateway reads those files as the agent would. SAN matchers are
// match_typed_subject_alt_names or the deprecated match_subject_alt_names (which Envoy expands to
// one matcher per SAN type); Envoy refuses both at once, and SAN matchers without a trusted CA
// (certificate_validation_context_config_impl.cc).
import { GatewayConfigError } from "../config/config-error.js";
import type { DataSource, SanMatcher, StringMatcher, UpstreamTlsContext } from "../config/envoy-types.js";

type Raw = Record<string, unknown>;

const SYSTEM_ROOTS = "system";
const SAN_TYPES = ["DNS", "URI", "EMAIL", "IP_ADDRESS"] as const;

export function readUpstreamTlsContext(raw: Raw, path: string, warnings: string[]): UpstreamTlsContext {
  const at = `${path}.typed_config`;
  const context = map(raw.typed_config ?? {}, at);
  warnUnknown(
    context,
    at,
    ["@type", "sni", "common_tls_context", "insecure_skip_verify", "allow_renegotiation"],
    warnings,
  );
  const commonAt = `${at}.common_tls_context`;
  const common = map(context.common_tls_context ?? {}, commonAt);
  warnUnknown(
    common,
    commonAt,
    [
      "tls_params",
      "alpn_protocols",
      "tls_certificates",
      "tls_certificate_sds_secret_configs",
      "validation_context",
      "combined_validation_context",
      "validation_context_sds_secret_config",
    ],
    warnings,
  );
  const tls: UpstreamTlsContext = {};
  if (context.sni !== undefined) tls.sni = text(context.sni, `${at}.sni`);
  if (context.insecure_skip_verify === true) tls.insecure_skip_verify = true;
  const validation = readValidation(common, commonAt);
  if (validation.trustedCa || validation.systemRoots || validation.sans.length > 0) {
    if (validation.sans.length > 0 && !validation.trustedCa && !validation.systemRoots)
      throw new GatewayConfigError(
        commonAt,
        "SAN-based verification of peer certificates without trusted CA is insecure and not allowed",
      );
    tls.common_tls_context = {
      validation_context: {
        ...(validation.trustedCa ? { trusted_ca: validation.trustedCa } : {}),
        ...(validation.systemRoots ? { system_roots: true } : {}),
        ...(validation.sans.length > 0 ? { san_matchers: validation.sans } : {}),
      },
    };
  }
  return tls;
}

interface Validation {
  trustedCa: DataSource | undefined;
  systemRoots: boolean;
  sans: SanMatcher[];
}

function readValidation(common: Raw, path: string): Validation {
  if (common.combined_validation_context !== undefined) {
    const combinedAt = `${path}.combined_validation_context`;
    const combined = map(common.combined_validation_context, combinedAt);
    const base = readValidationContext(
      combined.default_validation_context ?? {},
      `${combinedAt}.default_validation_context`,
    );
    const sds = sdsRoot(
      combined.validation_context_sds_secret_config,
      `${combinedAt}.validation_context_sds_secret_config`,
    );
    return { ...base, ...sds, sans: base.sans };
  }
  const base = readValidationContext(common.validation_context ?? {}, `${path}.validation_context`);
  const sds = sdsRoot(common.validation_context_sds_secret_config, `${path}.validation_context_sds_secret_config`);
  return sds.trustedCa || sds.systemRoots ? { ...base, ...sds } : base;
}

function readValidationContext(raw: unknown, path: string): Validation {
  const context = map(raw, path);
  const typed = Array.isArray(context.match_typed_subject_alt_names) ? context.match_typed_subject_alt_names : [];
  const legacy = Array.isArray(context.match_subject_alt_names) ? context.match_subject_alt_names : [];
  if (typed.length > 0 && legacy.length > 0)
    throw new GatewayConfigError(
      path,
      "SAN-based verification using both match_typed_subject_alt_names and the deprecated match_subject_alt_names is not allowed",
    );
  const sans: SanMatcher[] = typed.map((entry, i) => {
    const matcher = map(entry, `${path}.match_typed_subject_alt_names[${i}]`);
    const type = String(matcher.san_type ?? "");
    if (!(SAN_TYPES as readonly string[]).includes(type))
      throw new GatewayConfigError(
        `${path}.match_typed_subject_alt_names[${i}].san_type`,
        `must be one of ${SAN_TYPES.join(", ")}, got ${type || "(unset)"}`,
      );
    return {
      type: type as SanMatcher["type"],
      matcher: stringMatcher(matcher.matcher, `${path}.match_typed_subject_alt_names[${i}].matcher`),
    };
  });
  legacy.forEach((entry, i) => {
    const matcher = stringMatcher(entry, `${path}.match_subject_alt_names[${i}]`);
    for (const type of SAN_TYPES) sans.push({ type, matcher });
  });
  const trustedCa = context.trusted_ca === undefined ? undefined : dataSource(context.trusted_ca, `${path}.trusted_ca`);
  return { trustedCa, systemRoots: false, sans };
}

/** An SDS validation secret as the istio-agent resolves it. */
function sdsRoot(raw: unknown, path: string): { trustedCa?: DataSource; systemRoots?: boolean } {
  if (raw === undefined) return {};
  const name = text(map(raw, path).name, `${path}.name`);
  if (!name.startsWith("file-root:"))
    throw new GatewayConfigError(`${path}.name`, `only Istio's file-root:<path> secrets are served, got ${name}`);
  const file = name.slice("file-root:".length);
  return file === SYSTEM_ROOTS ? { systemRoots: true } : { trustedCa: { filename: file } };
}

function stringMatcher(raw: unknown, path: string): StringMatcher {
  const matcher = map(raw, path);
  const kinds = ["exact", "prefix", "suffix", "contains", "safe_regex"].filter((k) => matcher[k] !== undefined);
  if (kinds.length !== 1)
    throw new GatewayConfigError(path, "needs exactly one of exact, prefix, suffix, contains, safe_regex");
  const out: StringMatcher = {};
  if (matcher.safe_regex !== undefined)
    out.safe_regex = { regex: text(map(matcher.safe_regex, `${path}.safe_regex`).regex, `${path}.safe_regex.regex`) };
  for (const key of ["exact", "prefix", "suffix", "contains"] as const) {
    if (matcher[key] !== undefined) out[key] = String(matcher[key]);
  }
  if (matcher.ignore_case === true) out.ignore_case = true;
  return out;
}

/** cluster.typed_extension_protocol_options HttpProtocolOptions.upstream_http_protocol_options. */
export function readAutoSni(cluster: Raw): { auto_sni?: boolean; auto_san_validation?: boolean } {
  const options = (cluster.typed_extension_protocol_options ?? {}) as Record<string, Raw>;
  const http = options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"];
  const upstream = (http?.upstream_http_protocol_options ?? cluster.upstream_http_protocol_options) as Raw | undefined;
  return {
    ...(upstream?.auto_sni === true ? { auto_sni: true } : {}),
    ...(upstream?.auto_san_validation === true ? { auto_san_validation: true } : {}),
  };
}

function map(value: unknown, path: string): Raw {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new GatewayConfigError(path, "must be a map");
  return value as Raw;
}

function text(value: unknown, path: string): string {
  if (typeof value !== "string" || value === "") throw new GatewayConfigError(path, "must be a non-empty string");
  return value;
}

function dataSource(value: unknown, path: string): DataSource {
  const source = map(value, path);
  if (typeof source.filename === "string") return { filename: source.filename };
  if (typeof source.inline_string === "string") return { inline_string: source.inline_string };
  throw new GatewayConfigError(path, "needs filename or inline_string");
}

function warnUnknown(value: Raw, path: string, known: string[], warnings: string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) warnings.push(`${path}.${key}: not modelled by the testbed gateway, ignored`);
  }
}
