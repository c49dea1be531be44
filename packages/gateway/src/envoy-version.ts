// Which Envoy release the gateway behaves as. ext_proc changed between minor releases in ways the
// seed's bugs depend on (per-route failure_mode_allow from 1.35, runtime guards from 1.36), so the
// gateway takes the minor version and each behaviour asks `envoyAtLeast` rather than a named profile.

/** The Envoy minor releases the gateway models, oldest first. */
export const ENVOY_VERSIONS = ["1.34", "1.35", "1.36", "1.37"] as const;

/** An Envoy minor release, e.g. "1.34" (the Envoy of Istio 1.26 via istio/proxy). */
export type EnvoyVersion = (typeof ENVOY_VERSIONS)[number];

/** The version a gateway runs when nothing says otherwise: the seed's cluster (Istio 1.26.2). */
export const DEFAULT_ENVOY_VERSION: EnvoyVersion = "1.34";

export function isEnvoyVersion(value: unknown): value is EnvoyVersion {
  return typeof value === "string" && (ENVOY_VERSIONS as readonly string[]).includes(value);
}

/** True when `version` is `minimum` or a later release. */
export function envoyAtLeast(version: EnvoyVersion, minimum: EnvoyVersion): boolean {
  return ENVOY_VERSIONS.indexOf(version) >= ENVOY_VERSIONS.indexOf(minimum);
}
