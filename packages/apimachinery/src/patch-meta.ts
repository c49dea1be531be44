// Strategic-merge-patch metadata of the built-in kinds: which lists merge by which key, as the Go
// struct tags of k8s.io/api declare them (`patchMergeKey`, `patchStrategy`) and the OpenAPI documents
// publish them (x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy). One table serves the
// server's strategic merge patch and /openapi, so kubectl computes its patches with the same rules
// the server applies them with. Kinds not listed (CRDs) get JSON merge patch from kubectl.

/** A field of a schema: an object with properties, or a list (of objects or scalars) with its strategy. */
export interface PatchMeta {
  properties?: Record<string, PatchMeta>;
  /** The element schema of a list (objects only). */
  items?: PatchMeta;
  /** x-kubernetes-patch-merge-key. */
  mergeKey?: string;
  /** x-kubernetes-patch-strategy: "merge", "retainKeys", "merge,retainKeys". */
  strategy?: string;
  /** The OpenAPI definition name this node is published under (its $ref target). */
  definition?: string;
  /** A list (atomic unless merged). */
  list?: boolean;
}

const merged = (mergeKey: string, items: PatchMeta = {}, strategy = "merge"): PatchMeta => ({
  list: true,
  mergeKey,
  strategy,
  items,
});
const mergedScalars: PatchMeta = { list: true, strategy: "merge" };

const OBJECT_META: PatchMeta = {
  definition: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
  properties: {
    finalizers: mergedScalars,
    ownerReferences: merged("uid"),
  },
};

const CONTAINER: PatchMeta = {
  definition: "io.k8s.api.core.v1.Container",
  properties: {
    ports: merged("containerPort"),
    env: merged("name"),
    volumeMounts: merged("mountPath"),
    volumeDevices: merged("devicePath"),
  },
};

const POD_SPEC: PatchMeta = {
  definition: "io.k8s.api.core.v1.PodSpec",
  properties: {
    containers: merged("name", CONTAINER),
    initContainers: merged("name", CONTAINER),
    ephemeralContainers: merged("name", CONTAINER),
    volumes: merged("name", {}, "merge,retainKeys"),
    imagePullSecrets: merged("name"),
    hostAliases: merged("ip"),
  },
};

const POD_TEMPLATE: PatchMeta = {
  definition: "io.k8s.api.core.v1.PodTemplateSpec",
  properties: { metadata: OBJECT_META, spec: POD_SPEC },
};

const CONDITIONS = merged("type");

function kindMeta(definition: string, spec?: PatchMeta, status?: PatchMeta): PatchMeta {
  return {
    definition,
    properties: { metadata: OBJECT_META, ...(spec ? { spec } : {}), ...(status ? { status } : {}) },
  };
}

/** By kind key (`Pod`, `apps/Deployment`): the built-in kinds kubectl patches strategically. */
export const BUILT_IN_PATCH_META: Readonly<Record<string, PatchMeta>> = {
  Pod: kindMeta("io.k8s.api.core.v1.Pod", POD_SPEC, {
    definition: "io.k8s.api.core.v1.PodStatus",
    properties: { conditions: CONDITIONS },
  }),
  Service: kindMeta("io.k8s.api.core.v1.Service", {
    definition: "io.k8s.api.core.v1.ServiceSpec",
    properties: { ports: merged("port") },
  }),
  ConfigMap: kindMeta("io.k8s.api.core.v1.ConfigMap"),
  Secret: kindMeta("io.k8s.api.core.v1.Secret"),
  Namespace: kindMeta("io.k8s.api.core.v1.Namespace"),
  ServiceAccount: {
    definition: "io.k8s.api.core.v1.ServiceAccount",
    properties: { metadata: OBJECT_META, secrets: merged("name") },
  },
  Event: kindMeta("io.k8s.api.core.v1.Event"),
  "apps/Deployment": kindMeta(
    "io.k8s.api.apps.v1.Deployment",
    {
      definition: "io.k8s.api.apps.v1.DeploymentSpec",
      properties: { template: POD_TEMPLATE, strategy: { strategy: "retainKeys" } },
    },
    { definition: "io.k8s.api.apps.v1.DeploymentStatus", properties: { conditions: CONDITIONS } },
  ),
  "apps/ReplicaSet": kindMeta("io.k8s.api.apps.v1.ReplicaSet", {
    definition: "io.k8s.api.apps.v1.ReplicaSetSpec",
    properties: { template: POD_TEMPLATE },
  }),
};

/** The metadata of a kind kubectl patches strategically, or undefined (kubectl sends a JSON merge patch). */
export function patchMetaOf(kindKey: string): PatchMeta | undefined {
  return BUILT_IN_PATCH_META[kindKey];
}
