// Where manifests are applied: the object store directly (in-process, `testbed up`) or the API
// server over HTTP (`testbed oc apply`). Both answer the same three questions.
import type { KindInfo } from "../kinds.js";
import type { KubeObject } from "../kube-object.js";

export interface ManifestTarget {
  get(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(info: KindInfo, object: KubeObject): Promise<KubeObject>;
  update(info: KindInfo, object: KubeObject): Promise<KubeObject>;
}
