import type { PodSpec } from "./spec.js";

/**
 * How KServe lays the user's pod template over a preset (a strategic merge patch): containers,
 * env, volumes and volume mounts merge by their keys, resource maps merge, and everything else the
 * user writes replaces the preset's value whole — including a container's `args` and `command`
 * lists. That last rule is why a user who states scheduler args must repeat every preset flag.
 */
export function mergePodSpec(preset: PodSpec, user: PodSpec | undefined): PodSpec {
  if (!user) return structuredClone(preset);
  const merged: PodSpec = structuredClone(preset);
  for (const [field, value] of Object.entries(user)) {
    if (value === undefined) continue;
    if (field === "containers" || field === "initContainers") {
      merged[field] = mergeByKey(merged[field], value, "name", mergeContainer);
    } else if (field === "volumes") {
      merged[field] = mergeByKey(merged[field], value, "name", (_, next) => structuredClone(next));
    } else {
      merged[field] = structuredClone(value);
    }
  }
  return merged;
}

type Item = Record<string, unknown>;

function mergeContainer(preset: Item, user: Item): Item {
  const merged: Item = structuredClone(preset);
  for (const [field, value] of Object.entries(user)) {
    if (value === undefined) continue;
    if (field === "env") merged.env = mergeByKey(merged.env, value, "name", (_, next) => structuredClone(next));
    else if (field === "volumeMounts") {
      merged.volumeMounts = mergeByKey(merged.volumeMounts, value, "mountPath", (_, next) => structuredClone(next));
    } else if (field === "ports")
      merged.ports = mergeByKey(merged.ports, value, "containerPort", (a, b) => ({ ...a, ...b }));
    else if (field === "resources")
      merged.resources = mergeResources(merged.resources as Item | undefined, value as Item);
    else merged[field] = structuredClone(value);
  }
  return merged;
}

function mergeResources(preset: Item | undefined, user: Item): Item {
  const merged: Item = structuredClone(preset ?? {});
  for (const [field, value] of Object.entries(user)) {
    const base = merged[field];
    merged[field] =
      base && typeof base === "object" && value && typeof value === "object"
        ? { ...(base as Item), ...(value as Item) }
        : structuredClone(value);
  }
  return merged;
}

/** Lists merged by a key field: matching items merge in place, new items are appended in the user's order. */
function mergeByKey(preset: unknown, user: unknown, key: string, merge: (a: Item, b: Item) => Item): Item[] {
  const result: Item[] = Array.isArray(preset) ? structuredClone(preset as Item[]) : [];
  if (!Array.isArray(user)) return result;
  for (const item of user as Item[]) {
    const index = result.findIndex((existing) => existing[key] === item[key]);
    if (index >= 0) result[index] = merge(result[index] as Item, item);
    else result.push(structuredClone(item));
  }
  return result;
}
