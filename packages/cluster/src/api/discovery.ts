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

export function groupList(): Record<string, unknown> {
  const groups = new Map<string, string[]>();
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
  const served = KINDS.filter((k) => k.group === group && k.versions.includes(version));
  if (served.length === 0) return undefined;
  const verbs = ["create", "delete", "get", "list", "patch", "update"];
  const resources = served.flatMap((info) => {
    const base = {
      name: info.plural,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs,
      ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
    };
    const subresources = [{ ...base, name: `${info.plural}/status`, verbs: ["get", "patch", "update"] }];
    if (info.kind === "Pod") {
      subresources.push({ ...base, name: "pods/log", kind: "Pod", verbs: ["get"] });
      subresources.push({ ...base, name: "pods/exec", kind: "PodExecOptions", verbs: ["create", "get"] });
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
