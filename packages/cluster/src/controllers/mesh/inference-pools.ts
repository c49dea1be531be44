// One InferencePool read the same way from either API version:
// v1alpha2 (inference.networking.x-k8s.io): spec.selector (map), spec.targetPortNumber,
//   spec.extensionRef {group, kind, name, portNumber (default 9002), failureMode (default FailClose)};
// v1 (inference.networking.k8s.io): spec.selector.matchLabels, spec.targetPorts[].number,
//   spec.endpointPickerRef {group, kind, name, port.number, failureMode}.
import type { KubeObject } from "@testbed/apimachinery";
import { findObject, type MeshSnapshot } from "./mesh-snapshot.js";
import { POOL_GROUP_ALPHA, POOL_GROUP_V1, shadowServiceName } from "./names.js";

/** An InferencePool of either API version, read into one shape. */
export interface InferencePoolView {
  object: KubeObject;
  group: string;
  namespace: string;
  name: string;
  selector: Record<string, string>;
  /** The first target port (the only one of a v1alpha2 pool). */
  targetPort: number | undefined;
  /** Every target port: spec.targetPorts[].number of a v1 pool, [targetPortNumber] of a v1alpha2 one. */
  targetPorts: number[];
  endpointPicker: EndpointPickerRef | undefined;
  shadowName: string;
}

export interface EndpointPickerRef {
  group: string;
  kind: string;
  name: string;
  port: number;
  failureMode: "FailOpen" | "FailClose";
}

const DEFAULT_EPP_PORT = 9002;

export function groupOfObject(object: KubeObject): string {
  const slash = object.apiVersion.indexOf("/");
  return slash < 0 ? "" : object.apiVersion.slice(0, slash);
}

export function isInferencePoolGroup(group: string | undefined): boolean {
  return group === POOL_GROUP_ALPHA || group === POOL_GROUP_V1;
}

export function readInferencePool(object: KubeObject): InferencePoolView {
  const group = groupOfObject(object);
  const spec = object.spec ?? {};
  const v1 = group === POOL_GROUP_V1;
  const selector = (v1 ? spec.selector?.matchLabels : spec.selector) ?? {};
  const targetPorts = (
    v1 ? (Array.isArray(spec.targetPorts) ? spec.targetPorts : []) : [{ number: spec.targetPortNumber }]
  )
    .map((entry: { number?: unknown } | undefined) => Number(entry?.number))
    .filter((port: number) => Number.isInteger(port));
  const ref = v1 ? spec.endpointPickerRef : spec.extensionRef;
  return {
    object,
    group,
    namespace: object.metadata.namespace ?? "default",
    name: object.metadata.name,
    selector: Object.fromEntries(Object.entries(selector).map(([k, v]) => [k, String(v)])),
    targetPort: targetPorts[0],
    targetPorts,
    endpointPicker: ref?.name
      ? {
          group: ref.group ?? "",
          kind: ref.kind ?? "Service",
          name: String(ref.name),
          port: Number((v1 ? ref.port?.number : ref.portNumber) ?? DEFAULT_EPP_PORT),
          failureMode: ref.failureMode === "FailOpen" ? "FailOpen" : "FailClose",
        }
      : undefined,
    shadowName: shadowServiceName(object.metadata.name),
  };
}

export function findInferencePool(
  snapshot: MeshSnapshot,
  group: string,
  namespace: string,
  name: string,
): InferencePoolView | undefined {
  const found = snapshot.inferencePools.find(
    (p) => p.metadata.namespace === namespace && p.metadata.name === name && groupOfObject(p) === group,
  );
  return found ? readInferencePool(found) : undefined;
}

/** The EPP Service when the pool's endpoint picker reference resolves; undefined (InvalidExtensionRef) otherwise. */
export function endpointPickerService(snapshot: MeshSnapshot, pool: InferencePoolView): KubeObject | undefined {
  const ref = pool.endpointPicker;
  if (ref?.group !== "" || ref.kind !== "Service") return undefined;
  return findObject(snapshot.services, pool.namespace, ref.name);
}
