// The discovery documents and /version: what oc reads to learn what the server serves.
import { KINDS } from "@testbed/apimachinery";

/** OpenShift 4.20's Kubernetes (the seed's ROSA cluster generation). */
export const KUBERNETES_VERSION = {
  major: "1",
  minor: "33",
  gitVersion: "v1.33.5",
  gitCommit: "0000000000000000000000000000000000000000",
  gitTreeState: "clean",
  buildDate: "2025-10-01T00:00:00Z",
  goVersion: "go1.24.6",
  compiler: "gc",
  platform: "linux/amd64",
};

export function coreVersions(): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] };
}

/** Groups served outside the kind table (authorization.k8s.io: SelfSubjectAccessReview). */
const EXTRA_GROUPS: Record<string, Array<Record<string, unknown>>> = {
  "authorization.k8s.io/v1": [
    {
      name: "selfsubjectaccessreviews",
      singularName: "selfsubjectaccessreview",
      namespaced: false,
      kind: "SelfSubjectAccessReview",
      verbs: ["create"],
    },
  ],
};

export function groupList(): Record<string, unknown> {
  const groups = new Map<string, string[]>([["authorization.k8s.io", ["v1"]]]);
  for (const info of KINDS) {
    if (info.group === "") continue;
    const versions = groups.get(info.group) ?? [];
    for (const version of info.versions) if (!versions.includes(version)) versions.push(version);
    groups.set(info.group, versions);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/** APIResourceList for one group/version, or undefined when nothing is served there. */
export function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const extra = EXTRA_GROUPS[`${group}/${version}`];
  if (extra)
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion: `${group}/${version}`, resources: extra };
  const served = KINDS.filter((k) => k.group === group && k.versions.includes(version));
  if (served.length === 0) return undefined;
  const resources = served.flatMap((info) => {
    const readOnly = info.kind === "CustomResourceDefinition";
    const base = {
      name: info.plural,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: readOnly ? ["get", "list"] : ["create", "delete", "get", "list", "patch", "update", "watch"],
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
      ...(info.categories.length > 0 ? { categories: info.categories } : {}),
    };
    // Subresources carry no short names or categories (kubectl would see duplicates otherwise).
    const sub = (name: string, kind: string, verbs: string[], extraFields: Record<string, unknown> = {}) => ({
      name: `${info.plural}/${name}`,
      singularName: "",
      namespaced: info.namespaced,
      kind,
      verbs,
      ...extraFields,
    });
    const subresources = readOnly ? [] : [sub("status", info.kind, ["get", "patch", "update"])];
    if (info.kind === "Pod") {
      subresources.push(sub("log", "Pod", ["get"]));
      subresources.push(sub("exec", "PodExecOptions", ["create", "get"]));
    }
    if (info.kind === "Deployment" || info.kind === "ReplicaSet") {
      subresources.push(sub("scale", "Scale", ["get", "patch", "update"], { group: "autoscaling", version: "v1" }));
    }
    return [base, ...subresources];
  });
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources,
  };
}
