// Which InferencePool API KServe's LLMInferenceService controller uses, per RHOAI release
// (red-hat-data-services/kserve): up to rhoai-3.3 it makes only an inference.networking.x-k8s.io/
// v1alpha2 pool and points the HTTPRoute at it. From rhoai-3.4 (pkg/controller/v1alpha2/llmisvc,
// scheduler.go reconcileSchedulerInferencePool) it makes BOTH a v1 (inference.networking.k8s.io)
// and a v1alpha2 pool of the same name, and router.go migrates the HTTPRoute's pool backendRefs to
// v1 — one way, recorded in the annotation serving.kserve.io/inference-pool-migrated: v1 — once the
// gateway accepts v1 or rejects v1alpha2 (the route's first parent has ResolvedRefs False with
// reason InvalidKind, what Istio ≥ 1.28 reports for the x-k8s.io group). Which release runs is
// read from the rhods-operator ClusterServiceVersion the topology installs (OLM's record of it).
import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore } from "../../store/object-store.js";

export const POOL_GROUP_V1ALPHA2 = "inference.networking.x-k8s.io";
export const POOL_GROUP_V1 = "inference.networking.k8s.io";
export const POOL_MIGRATED_ANNOTATION = "serving.kserve.io/inference-pool-migrated";

const CSV = "operators.coreos.com/ClusterServiceVersion";
const RHOAI_CSV_PREFIX = "rhods-operator.";
/** The RHOAI release the controller behaves as when no CSV says otherwise: the seed's 3.2. */
const DEFAULT_RHOAI = [3, 2];
/** The first RHOAI whose KServe makes v1 pools and migrates routes to them. */
const V1_POOLS_SINCE = [3, 4];

/** The newest installed RHOAI release (rhods-operator CSVs in phase Succeeded), as [major, minor]. */
export function rhoaiRelease(store: ObjectStore): number[] {
  const versions = store
    .peekList(CSV)
    .filter((csv) => csv.metadata.name.startsWith(RHOAI_CSV_PREFIX) && csv.status?.phase === "Succeeded")
    .map((csv) =>
      String(csv.spec?.version ?? "")
        .split(".")
        .map(Number),
    )
    .filter((version) => version.length >= 2 && version.every(Number.isInteger));
  return versions.sort(compareVersions).at(-1) ?? DEFAULT_RHOAI;
}

/** Whether that KServe makes v1 InferencePools (besides v1alpha2) and migrates its routes to them. */
export function makesV1Pools(release: number[]): boolean {
  return compareVersions(release, V1_POOLS_SINCE) >= 0;
}

/**
 * The API group the route's pool backendRefs name (router.go): v1alpha2 until the route has been
 * migrated, or its gateway accepted v1 / refused v1alpha2 — then v1 for good.
 */
export function routePoolGroup(existingRoute: KubeObject | undefined, release: number[]): string {
  if (!makesV1Pools(release) || !existingRoute) return POOL_GROUP_V1ALPHA2;
  if (existingRoute.metadata.annotations?.[POOL_MIGRATED_ANNOTATION] === "v1") return POOL_GROUP_V1;
  const group = poolGroupOf(existingRoute);
  const resolved = resolvedRefs(existingRoute);
  if (group === POOL_GROUP_V1 && resolved !== undefined && !refusedKind(resolved)) return POOL_GROUP_V1;
  if (group === POOL_GROUP_V1ALPHA2 && resolved !== undefined && refusedKind(resolved)) return POOL_GROUP_V1;
  return POOL_GROUP_V1ALPHA2;
}

/** The pool group a route's InferencePool backendRefs use (KServe's routes use one). */
function poolGroupOf(route: KubeObject): string | undefined {
  for (const rule of (route.spec?.rules ?? []) as { backendRefs?: { group?: string; kind?: string }[] }[])
    for (const ref of rule.backendRefs ?? []) if (ref.kind === "InferencePool") return ref.group;
  return undefined;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
}

/** ResolvedRefs of the route's first parent (isBackendSupported looks at parents[0] only). */
function resolvedRefs(route: KubeObject): Condition | undefined {
  const parent = (route.status?.parents ?? [])[0] as { conditions?: Condition[] } | undefined;
  return parent?.conditions?.find((condition) => condition.type === "ResolvedRefs");
}

function refusedKind(condition: Condition): boolean {
  return condition.status === "False" && condition.reason === "InvalidKind";
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
