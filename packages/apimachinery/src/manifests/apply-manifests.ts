// `oc apply` semantics over a batch: everything is validated before anything is written (so a bad
// document leaves the cluster untouched), Namespaces go first, and each object is created or
// updated in place, keeping what the server owns (status, uid, owner references, finalizers).
import { isDeepStrictEqual } from "node:util";
import { type KindInfo, kindFor } from "../kinds.js";
import type { KubeObject } from "../kube-object.js";
import { validateObject } from "../validation.js";
import { ManifestError } from "./manifest-error.js";
import type { ManifestTarget } from "./manifest-target.js";
import type { Manifest } from "./parse-manifests.js";

export type ApplyAction = "created" | "configured" | "unchanged";

export interface ApplyResult {
  object: KubeObject;
  action: ApplyAction;
  /** How oc names the object: `envoyfilter.networking.istio.io/fix-extproc-body-mode`. */
  reference: string;
}

export interface ApplyOptions {
  /** `-n`: the namespace for objects that name none; objects naming another one are refused. */
  namespace?: string;
  /** `oc create`: an existing object is an error instead of an update. */
  createOnly?: boolean;
  /**
   * `oc apply`: keep what was applied in the last-applied-configuration annotation, so a label or
   * annotation dropped from the manifest is dropped from the object next time (kubectl's client-side apply).
   */
  recordLastApplied?: boolean;
}

/** Where kubectl's client-side apply keeps the manifest it applied last. */
export const LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration";

interface Checked {
  manifest: Manifest;
  info: KindInfo;
  object: KubeObject;
}

export async function applyManifests(
  target: ManifestTarget,
  manifests: readonly Manifest[],
  options: ApplyOptions = {},
): Promise<ApplyResult[]> {
  const checked = manifests.map((manifest) => checkManifest(manifest, options));
  await checkNamespaces(target, checked);
  const ordered = [
    ...checked.filter((c) => c.info.kind === "Namespace"),
    ...checked.filter((c) => c.info.kind !== "Namespace"),
  ];
  const results: ApplyResult[] = [];
  for (const entry of ordered) results.push(await applyOne(target, entry, options));
  return results;
}

/** `envoyfilter.networking.istio.io/name`, `pod/name`. */
export function objectReference(info: KindInfo, name: string): string {
  return `${info.singular}${info.group === "" ? "" : `.${info.group}`}/${name}`;
}

function checkManifest(manifest: Manifest, options: ApplyOptions): Checked {
  const causes = validateObject(manifest.object);
  const object = manifest.object;
  if (causes.some((c) => ["apiVersion", "kind", "metadata"].includes(c.field))) {
    const missing = causes.map((c) => `${c.field} not set`).join(", ");
    throw new ManifestError(manifest.source, `error validating data: [${missing}]`, causes);
  }
  const info = kindFor(object.apiVersion, object.kind);
  if (!info) {
    throw new ManifestError(
      manifest.source,
      `resource mapping not found for name: "${object.metadata.name}": no matches for kind "${object.kind}" in version "${object.apiVersion}"; ensure CRDs are installed first`,
    );
  }
  if (causes.length > 0) {
    const reasons = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
    throw new ManifestError(
      manifest.source,
      `${info.kind} "${object.metadata.name ?? ""}" is invalid: ${reasons}`,
      causes,
    );
  }
  return { manifest, info, object: withNamespace(manifest, info, options.namespace) };
}

function withNamespace(manifest: Manifest, info: KindInfo, requested: string | undefined): KubeObject {
  const object = structuredClone(manifest.object);
  if (!info.namespaced) {
    delete object.metadata.namespace;
    return object;
  }
  const own = object.metadata.namespace;
  if (requested !== undefined && own !== undefined && own !== requested) {
    throw new ManifestError(
      manifest.source,
      `the namespace from the provided object "${own}" does not match the namespace "${requested}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  object.metadata.namespace = own ?? requested ?? "default";
  return object;
}

async function checkNamespaces(target: ManifestTarget, checked: readonly Checked[]): Promise<void> {
  const namespaceKind = kindFor("v1", "Namespace") as KindInfo;
  const created = new Set(checked.filter((c) => c.info.kind === "Namespace").map((c) => c.object.metadata.name));
  const known = new Map<string, boolean>();
  for (const entry of checked) {
    const namespace = entry.object.metadata.namespace;
    if (namespace === undefined || created.has(namespace)) continue;
    if (!known.has(namespace))
      known.set(namespace, (await target.get(namespaceKind, undefined, namespace)) !== undefined);
    if (!known.get(namespace)) throw new ManifestError(entry.manifest.source, `namespaces "${namespace}" not found`);
  }
}

async function applyOne(target: ManifestTarget, entry: Checked, options: ApplyOptions): Promise<ApplyResult> {
  const { info, object } = entry;
  const reference = objectReference(info, object.metadata.name);
  // `oc create` lets the server refuse an existing object (AlreadyExists), as the real one does.
  if (options.createOnly) return { object: await target.create(info, object), action: "created", reference };
  const desired = options.recordLastApplied ? withLastApplied(object) : object;
  const current = await target.get(info, object.metadata.namespace, object.metadata.name);
  if (!current) return { object: await target.create(info, desired), action: "created", reference };
  const updated = await target.update(info, mergeForApply(current, desired));
  const action = updated.metadata.resourceVersion === current.metadata.resourceVersion ? "unchanged" : "configured";
  return { object: updated, action, reference };
}

/**
 * The applied desired state on top of the live object's server-owned fields. Labels and annotations
 * merge, as kubectl's three-way merge does: others' keys stay, and a key the previous apply set (per
 * the live object's last-applied-configuration) but this manifest leaves out is removed.
 */
export function mergeForApply(current: KubeObject, applied: KubeObject): KubeObject {
  const merged: KubeObject = { ...structuredClone(applied), metadata: { ...current.metadata } };
  const previous = lastApplied(current)?.metadata;
  const labels = threeWay(current.metadata.labels, previous?.labels, applied.metadata.labels);
  const annotations = threeWay(current.metadata.annotations, previous?.annotations, applied.metadata.annotations);
  if (Object.keys(labels).length > 0) merged.metadata.labels = labels;
  else delete merged.metadata.labels;
  if (Object.keys(annotations).length > 0) merged.metadata.annotations = annotations;
  else delete merged.metadata.annotations;
  // A resourceVersion in the manifest is a precondition (a stale one conflicts, 409), as with kubectl apply.
  if (applied.metadata.resourceVersion) merged.metadata.resourceVersion = applied.metadata.resourceVersion;
  else delete merged.metadata.resourceVersion;
  if (current.status !== undefined) merged.status = current.status;
  return isDeepStrictEqual(merged, current) ? current : merged;
}

/** The object with the annotation kubectl writes on apply: the manifest itself, as JSON, without that annotation. */
function withLastApplied(object: KubeObject): KubeObject {
  const { [LAST_APPLIED_ANNOTATION]: _previous, ...annotations } = object.metadata.annotations ?? {};
  const { annotations: _all, ...metadata } = object.metadata;
  const recorded = {
    ...object,
    metadata: Object.keys(annotations).length > 0 ? { ...metadata, annotations } : metadata,
  };
  return {
    ...object,
    metadata: {
      ...object.metadata,
      annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(recorded)}\n` },
    },
  };
}

function lastApplied(object: KubeObject): KubeObject | undefined {
  const text = object.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as KubeObject;
  } catch {
    return undefined;
  }
}

/** live + applied, less what the previous apply set and this one no longer does. */
function threeWay(
  live: Record<string, string> | undefined,
  previous: Record<string, string> | undefined,
  applied: Record<string, string> | undefined,
): Record<string, string> {
  const result = { ...live };
  for (const key of Object.keys(previous ?? {})) if (!(key in (applied ?? {}))) delete result[key];
  return { ...result, ...applied };
}
