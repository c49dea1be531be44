// The `/scale` subresource of Deployments and ReplicaSets (autoscaling/v1 Scale): what
// `kubectl scale` reads and patches. Writing it changes the owner's spec.replicas.
import { ApiError, applyPatch, type KubeObject, kindKey, patchTypeOf } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";
import type { ResourcePath } from "./resource-path.js";

export interface ScaleRequest {
  method: string;
  path: ResourcePath;
  body: string | undefined;
  contentType: string | undefined;
}

const SCALABLE = new Set(["apps/Deployment", "apps/ReplicaSet"]);

export function isScalable(path: ResourcePath): boolean {
  return path.subresource === "scale" && SCALABLE.has(kindKey(path.info));
}

export function handleScale(store: ObjectStore, request: ScaleRequest): { status: number; body: unknown } {
  const { path } = request;
  const key = kindKey(path.info);
  const owner = store.require(key, path.namespace, path.name as string);
  if (request.method === "GET") return { status: 200, body: scaleOf(owner) };
  if (request.method !== "PUT" && request.method !== "PATCH") {
    throw new ApiError(
      "MethodNotAllowed",
      `the server does not allow this method on the requested resource (${request.method})`,
    );
  }
  const body = parse(request.body);
  const wanted = request.method === "PUT" ? body : applyPatch(scaleOf(owner), body, patchTypeOf(request.contentType));
  const replicas = (wanted as { spec?: { replicas?: unknown } })?.spec?.replicas;
  if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(
      "Invalid",
      `Scale.autoscaling "${owner.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
      {
        name: owner.metadata.name,
        kind: "Scale",
        group: "autoscaling",
        causes: [
          { field: "spec.replicas", message: "must be greater than or equal to 0", reason: "FieldValueInvalid" },
        ],
      },
    );
  }
  const updated = store.update({ ...owner, spec: { ...owner.spec, replicas } });
  return { status: 200, body: scaleOf(updated) };
}

function scaleOf(owner: KubeObject): Record<string, unknown> {
  const labels = (owner.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: {
      name: owner.metadata.name,
      namespace: owner.metadata.namespace,
      uid: owner.metadata.uid,
      resourceVersion: owner.metadata.resourceVersion,
      creationTimestamp: owner.metadata.creationTimestamp,
    },
    spec: { replicas: owner.spec?.replicas ?? 1 },
    status: {
      replicas: owner.status?.replicas ?? 0,
      selector: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(","),
    },
  };
}

function parse(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? "");
  } catch (error) {
    throw new ApiError(
      "BadRequest",
      `the object provided is unrecognized: json parse error: ${(error as Error).message}`,
    );
  }
}
