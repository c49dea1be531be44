// Field ownership as kube-apiserver's fieldmanager keeps it in metadata.managedFields: server-side
// apply (a manager's applied fields become its own, fields it stops applying are removed unless
// another manager owns them, a field another manager owns with a different value is a conflict →
// 409 unless forced) and updates (the fields a create, PUT or patch changed move to its manager).
import { ApiError } from "./api-error.js";
import {
  type FieldPath,
  fieldSetOf,
  fromFieldsV1,
  printPath,
  removeAt,
  segmentsOf,
  toFieldsV1,
  valueAt,
} from "./field-set.js";
import type { KubeObject } from "./kube-object.js";
import type { PatchMeta } from "./patch-meta.js";
import { strategicMergePatch } from "./strategic-merge-patch.js";

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: Record<string, unknown>;
}

export interface OwnershipContext {
  manager: string;
  apiVersion: string;
  /** RFC 3339 time of the request. */
  now: string;
  meta: PatchMeta | undefined;
}

interface Owner {
  entry: ManagedFieldsEntry;
  fields: Set<FieldPath>;
}

/** Apply `applied` (the manager's whole intent) to `current` (undefined: the object is created). */
export function serverSideApply(
  current: KubeObject | undefined,
  applied: KubeObject,
  context: OwnershipContext & { force: boolean },
): KubeObject {
  const owners = ownersOf(current);
  const mine = owners.find((o) => o.entry.manager === context.manager && o.entry.operation === "Apply");
  const others = owners.filter((o) => o !== mine);
  const appliedFields = fieldSetOf(applied, context.meta);
  const conflicts = conflictsOf(current, applied, appliedFields, others);
  if (conflicts.length > 0 && !context.force) throw conflictError(conflicts);
  for (const conflict of conflicts) conflict.owner.fields.delete(conflict.path);
  const result = strategicMergePatch(current ?? {}, withoutManagedFields(applied), context.meta ?? {}) as KubeObject;
  // Fields this manager applied before and no longer does go, unless someone else still owns them.
  for (const path of mine?.fields ?? []) {
    if (appliedFields.has(path) || others.some((o) => o.fields.has(path))) continue;
    removeAt(result, path);
  }
  const entry = ownerEntry(context, "Apply", appliedFields);
  setManagedFields(result, [...others.map(toEntry), entry]);
  return result;
}

/** After a create, PUT or non-apply patch: the changed fields belong to `manager` (operation Update). */
export function recordUpdate(before: KubeObject | undefined, after: KubeObject, context: OwnershipContext): KubeObject {
  const owners = ownersOf(before);
  const afterFields = fieldSetOf(after, context.meta);
  const changed = [...afterFields].filter(
    (path) => JSON.stringify(valueAt(before, path)) !== JSON.stringify(valueAt(after, path)),
  );
  for (const owner of owners) {
    for (const path of [...owner.fields]) {
      if (!afterFields.has(path) || (changed.includes(path) && owner.entry.manager !== context.manager)) {
        owner.fields.delete(path);
      }
    }
  }
  const same = owners.find((o) => o.entry.manager === context.manager && o.entry.operation === "Update");
  const fields = new Set([...(same?.fields ?? []), ...changed]);
  const entries = owners.filter((o) => o !== same).map(toEntry);
  const result = { ...after, metadata: { ...after.metadata } };
  setManagedFields(result, fields.size > 0 ? [...entries, ownerEntry(context, "Update", fields)] : entries);
  return result;
}

function ownersOf(object: KubeObject | undefined): Owner[] {
  const entries = (object?.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.map((entry) => ({ entry, fields: fromFieldsV1(entry.fieldsV1) }));
}

function toEntry(owner: Owner): ManagedFieldsEntry {
  return { ...owner.entry, fieldsV1: toFieldsV1(owner.fields) };
}

function ownerEntry(
  context: OwnershipContext,
  operation: "Apply" | "Update",
  fields: Set<FieldPath>,
): ManagedFieldsEntry {
  return {
    manager: context.manager,
    operation,
    apiVersion: context.apiVersion,
    time: context.now,
    fieldsType: "FieldsV1",
    fieldsV1: toFieldsV1(fields),
  };
}

function setManagedFields(object: KubeObject, entries: ManagedFieldsEntry[]): void {
  const kept = entries.filter((e) => Object.keys(e.fieldsV1).length > 0);
  object.metadata = { ...object.metadata, managedFields: kept };
}

function withoutManagedFields(object: KubeObject): KubeObject {
  const { managedFields: _ignored, ...metadata } = object.metadata ?? {};
  return { ...object, metadata } as KubeObject;
}

interface Conflict {
  owner: Owner;
  path: FieldPath;
}

/** Leaf fields another manager owns whose live value differs from the applied one. */
function conflictsOf(
  current: KubeObject | undefined,
  applied: KubeObject,
  fields: Set<FieldPath>,
  others: Owner[],
): Conflict[] {
  if (!current) return [];
  const conflicts: Conflict[] = [];
  for (const path of fields) {
    if (segmentsOf(path).at(-1)?.startsWith("k:")) continue;
    const live = JSON.stringify(valueAt(current, path));
    if (live === undefined || live === JSON.stringify(valueAt(applied, path))) continue;
    for (const owner of others) if (owner.fields.has(path)) conflicts.push({ owner, path });
  }
  return conflicts;
}

/** The 409 kube-apiserver answers (fieldmanager's NewConflictError). */
function conflictError(conflicts: Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: "FieldManagerConflict",
    message: `conflict with ${printManager(c.owner.entry)}`,
    field: printPath(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    const [only] = conflicts as [Conflict];
    message = `conflict with ${printManager(only.owner.entry)}: ${printPath(only.path)}`;
  } else {
    const byManager = new Map<string, Conflict[]>();
    for (const conflict of conflicts) {
      const name = printManager(conflict.owner.entry);
      byManager.set(name, [...(byManager.get(name) ?? []), conflict]);
    }
    message = [...byManager.keys()]
      .sort()
      .flatMap((name) => [
        `conflicts with ${name}:`,
        ...(byManager.get(name) ?? []).map((c) => `- ${printPath(c.path)}`),
      ])
      .join("\n");
  }
  const plural = conflicts.length === 1 ? "" : "s";
  return new ApiError("Conflict", `Apply failed with ${conflicts.length} conflict${plural}: ${message}`, { causes });
}

/** fieldmanager's printManager over the manager identifier (BuildManagerIdentifier drops the time). */
function printManager(entry: ManagedFieldsEntry): string {
  const name = JSON.stringify(entry.manager);
  return entry.operation === "Update" ? `${name} using ${entry.apiVersion}` : name;
}
