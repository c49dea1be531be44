// `testbed up` applies its topology in process: the object store itself is the manifests' target.
import { kindKey, type ManifestTarget } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";

/** The object store as a ManifestTarget, so applyManifests writes straight into it. */
export function storeTarget(store: ObjectStore): ManifestTarget {
  return {
    get: async (info, namespace, name) => store.get(kindKey(info), namespace, name),
    create: async (_info, object) => store.create(object),
    update: async (_info, object) => store.update(object),
  };
}
