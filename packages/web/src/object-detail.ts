// A click on an object: its YAML (as `oc get -o yaml` prints it, managedFields left out as oc does
// by default) and the Events about it (as `oc describe` lists them), newest last.
import type { KubeObject } from "@testbed/apimachinery";
import { stringify } from "yaml";
import type { ObjectDetail } from "./page-types.js";
import type { StoreView } from "./sources.js";

/** The object with this `<kind>/<namespace>/<name>` id, or undefined when the store has none. */
export function objectDetail(store: StoreView, id: string): ObjectDetail | undefined {
  const [kind, namespace, ...rest] = id.split("/");
  const name = rest.join("/");
  const all = store.all();
  const object = all.find(
    (o) => o.kind === kind && (o.metadata.namespace ?? "-") === namespace && o.metadata.name === name,
  );
  if (!object) return undefined;
  const { managedFields: _managed, ...metadata } = object.metadata as KubeObject["metadata"] & {
    managedFields?: unknown;
  };
  const events = all
    .filter((e) => {
      if (e.kind !== "Event") return false;
      const involved = e.involvedObject as { kind?: string; name?: string; namespace?: string } | undefined;
      return involved?.kind === kind && involved?.name === name && (involved?.namespace ?? "-") === namespace;
    })
    .map((e) => ({
      type: String(e.type ?? ""),
      reason: String(e.reason ?? ""),
      message: String(e.message ?? ""),
      count: Number(e.count ?? 1),
      lastTimestamp: String(e.lastTimestamp ?? e.metadata.creationTimestamp ?? ""),
    }))
    .sort((a, b) => a.lastTimestamp.localeCompare(b.lastTimestamp));
  return { id, yaml: stringify({ ...object, metadata }), events };
}
