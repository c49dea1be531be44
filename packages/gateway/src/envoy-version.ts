// Which Envoy release the gateway behaves as. ext_proc changed between minor releases in ways the
// seed's bugs depend on (per-route failure_mode_allow from 1.35, runtime guards from 1.36), so the
// gateway takes the minor version and each behaviour asks `envoyAtLeast` rather than a named profile.
// A minor profile stands for its latest patches; where one patch release differs from the rest of
// its minor (1.35.0 refused FULL_DUPLEX_STREAMED + failure_mode_allow, reverted in 1.35.1), that
// patch is a profile of its own.

/** The Envoy releases the gateway models, oldest first. "1.35" stands for 1.35.1 and later. */
export const ENVOY_VERSIONS = ["1.34", "1.35.0", "1.35", "1.36", "1.37"] as const;

/** An Envoy release, e.g. "1.34" (the Envoy of Istio 1.26 via istio/proxy) or the patch "1.35.0". */
export type EnvoyVersion = (typeof ENVOY_VERSIONS)[number];

/** The version a gateway runs when nothing says otherwise: the seed's cluster (Istio 1.26.2). */
export const DEFAULT_ENVOY_VERSION: EnvoyVersion = "1.34";

export function isEnvoyVersion(value: unknown): value is EnvoyVersion {
  return typeof value === "string" && (ENVOY_VERSIONS as readonly string[]).includes(value);
}

/** The minor release a profile belongs to: "1.35.0" → "1.35". */
function minorOf(version: EnvoyVersion): string {
  return version.split(".").slice(0, 2).join(".");
}

/** A profile's minor release as one comparable number (1.35 → 1035), read once per profile. */
function minorRank(version: EnvoyVersion): number {
  const [major, minor] = minorOf(version).split(".").map(Number);
  return (major ?? 0) * 1000 + (minor ?? 0);
}

/** Every profile's rank: EnvoyVersion is a closed union, so each one has its entry. */
const MINOR_RANKS = Object.fromEntries(ENVOY_VERSIONS.map((version) => [version, minorRank(version)])) as Record<
  EnvoyVersion,
  number
>;

/** True when `version` is of `minimum`'s minor release or a later one (a patch profile counts as its minor). */
export function envoyAtLeast(version: EnvoyVersion, minimum: EnvoyVersion): boolean {
  return MINOR_RANKS[version] >= MINOR_RANKS[minimum];
}

/** A minor profile whose first patch release is not `.0` (1.35.0 is a profile of its own). */
const FIRST_PATCH: Partial<Record<EnvoyVersion, string>> = { "1.35": "1.35.1" };

/** The release a profile reports (`/server_info`): the patch it names, else the first patch it stands for. */
export function envoyReleaseOf(version: EnvoyVersion): string {
  if (version.split(".").length === 3) return version;
  return FIRST_PATCH[version] ?? `${version}.0`;
}
