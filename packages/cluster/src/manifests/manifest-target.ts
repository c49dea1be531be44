/**
 * Where manifests are applied: the object store directly (in-process, `testbed up`) or the API
 * server over HTTP (`testbed oc apply`). Both answer the same three questions.
 */
import { type KindInfo, kindKey } from "../store/kinds.js";
import type { KubeObject } from "../store/kube-object.js";
import type { ObjectStore } from "../store/object-store.js";

export interface ManifestTarget {
  get(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(info: KindInfo, object: KubeObject): Promise<KubeObject>;
  update(info: KindInfo, object: KubeObject): Promise<KubeObject>;
}

export function storeTarget(store: ObjectStore): ManifestTarget {
  return {
    get: async (info, namespace, name) => store.get(kindKey(info), namespace, name),
    create: async (_info, object) => store.create(object),
    update: async (_info, object) => store.update(object),
  };
}
