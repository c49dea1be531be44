// The downward API for container env (`valueFrom.fieldRef`): the kubelet fills these from the pod it
// runs, which is how an llm-d sidecar learns its namespace (INFERENCE_POOL_NAMESPACE) and its IP
// (POD_IP), and how a simulator learns its pod name (POD_NAME → x-inference-pod).
import type { KubeObject } from "@testbed/apimachinery";

/** What the kubelet knows of the pod when it starts a container. */
export interface DownwardPod {
  pod: KubeObject;
  podIP: string;
  hostIP: string;
}

/** An env var's value from its fieldRef; undefined for other valueFrom kinds (not resolved here). */
export function fieldRefValue(valueFrom: unknown, source: DownwardPod): string | undefined {
  const fieldPath = (valueFrom as { fieldRef?: { fieldPath?: unknown } } | undefined)?.fieldRef?.fieldPath;
  if (typeof fieldPath !== "string") return undefined;
  const { metadata, spec } = source.pod;
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (keyed) {
    const map = keyed[1] === "labels" ? metadata.labels : metadata.annotations;
    return map?.[keyed[2] as string] ?? "";
  }
  switch (fieldPath) {
    case "metadata.name":
      return metadata.name;
    case "metadata.namespace":
      return metadata.namespace ?? "";
    case "metadata.uid":
      return metadata.uid ?? "";
    case "spec.nodeName":
      return String(spec?.nodeName ?? "");
    case "spec.serviceAccountName":
      return String(spec?.serviceAccountName ?? "");
    case "status.podIP":
    case "status.podIPs":
      return source.podIP;
    case "status.hostIP":
    case "status.hostIPs":
      return source.hostIP;
    default:
      return "";
  }
}
