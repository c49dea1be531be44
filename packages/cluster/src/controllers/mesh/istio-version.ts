// Which Istio release the mesh controller translates as, and the Envoy release its gateways run.
// Each profile stands for the patch releases listed below; the behaviours that differ between them
// are asked for by name (`emitsPerRouteTrailers`, `inferencePoolGroup`, `keepsExtProcOfMergedRoutes`)
// rather than by comparing versions at each use. Read from istio/istio and
// openshift-service-mesh/istio tags and istio/proxy's pinned ENVOY_SHA (docs/reference/cluster.md).
import type { EnvoyVersion } from "@testbed/gateway";
import { groupOfObject } from "./inference-pools.js";
import type { MeshSnapshot } from "./mesh-snapshot.js";
import { POOL_GROUP_ALPHA, POOL_GROUP_V1, PROXY_IMAGE } from "./names.js";

/** The Istio minor releases the testbed models, oldest first. */
export const ISTIO_VERSIONS = ["1.26", "1.27", "1.28", "1.29"] as const;

/** An Istio minor release, e.g. "1.26". */
export type IstioVersion = (typeof ISTIO_VERSIONS)[number];

/** The seed's cluster: OCP 4.20's ingress operator pins Istio v1.26.2. */
export const DEFAULT_ISTIO_VERSION: IstioVersion = "1.26";

interface IstioProfile {
  /** The patch release(s) the profile stands for. */
  release: string;
  /** The gateway's istio-proxy image (`oc get pods -o jsonpath={..image}` names the release). */
  proxyImage: string;
  /** The Envoy minor release of that Istio's proxy (istio/proxy WORKSPACE ENVOY_SHA). */
  envoy: EnvoyVersion;
  /** The version the Sail operator's Istio resource names (`spec.version`, `oc get istio -A`). */
  sailVersion: string;
}

const PROFILES: Record<IstioVersion, IstioProfile> = {
  // Upstream 1.26 has no InferencePool support; OpenShift's 1.26.2-redhat backports it.
  "1.26": { release: "1.26.2-redhat (OCP 4.20)", proxyImage: PROXY_IMAGE, envoy: "1.34", sailVersion: "v1.26.2" },
  "1.27": {
    release: "1.27.0–1.27.9 (upstream)",
    proxyImage: "docker.io/istio/proxyv2:1.27.0",
    envoy: "1.35",
    sailVersion: "v1.27.0",
  },
  "1.28": {
    release: "1.28.0–1.28.4",
    proxyImage: "docker.io/istio/proxyv2:1.28.4",
    envoy: "1.36",
    sailVersion: "v1.28.4",
  },
  "1.29": { release: "1.29.0+", proxyImage: "docker.io/istio/proxyv2:1.29.0", envoy: "1.37", sailVersion: "v1.29.0" },
};

export function isIstioVersion(value: unknown): value is IstioVersion {
  return typeof value === "string" && (ISTIO_VERSIONS as readonly string[]).includes(value);
}

function atLeast(version: IstioVersion, minimum: IstioVersion): boolean {
  return ISTIO_VERSIONS.indexOf(version) >= ISTIO_VERSIONS.indexOf(minimum);
}

/** The Envoy release a gateway of this Istio runs. */
export function envoyVersionOf(version: IstioVersion): EnvoyVersion {
  return PROFILES[version].envoy;
}

/** The istio-proxy image of the release's gateways. */
export function proxyImage(version: IstioVersion): string {
  return PROFILES[version].proxyImage;
}

/** What the Istio resource's `spec.version` says for this profile (v1.26.2 on the seed's OCP 4.20). */
export function sailVersion(version: IstioVersion): string {
  return PROFILES[version].sailVersion;
}

/** The patch release(s) a profile stands for, for banners and reports. */
export function istioRelease(version: IstioVersion): string {
  return PROFILES[version].release;
}

/** Istio sets request/response trailer modes SEND on the pool route's override from 1.28 (istio PR #57041). */
export function emitsPerRouteTrailers(version: IstioVersion): boolean {
  return atLeast(version, "1.28");
}

/**
 * The one InferencePool API group this Istio watches (pkg/config/schema/gvk InferencePool):
 * inference.networking.x-k8s.io/v1alpha2 up to 1.27, inference.networking.k8s.io/v1 from 1.28.
 */
export function inferencePoolGroup(version: IstioVersion): string {
  return atLeast(version, "1.28") ? POOL_GROUP_V1 : POOL_GROUP_ALPHA;
}

/**
 * Whether merging several HTTPRoutes into one gateway+hostname keeps every route's InferencePool
 * config. route_collections.go `mergeHTTPRoutes` kept only the oldest route's `Extra` until 1.28.5
 * (istio #59303) and 1.29.0 (#58393); the others lose their per-route ext_proc.
 */
export function keepsExtProcOfMergedRoutes(version: IstioVersion): boolean {
  return atLeast(version, "1.29");
}

/** The snapshot as this Istio sees it: InferencePools of the group it does not watch do not exist for it. */
export function asSeenBy(snapshot: MeshSnapshot, version: IstioVersion): MeshSnapshot {
  const group = inferencePoolGroup(version);
  return { ...snapshot, inferencePools: snapshot.inferencePools.filter((pool) => groupOfObject(pool) === group) };
}
