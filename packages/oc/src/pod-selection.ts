// Which pod and container `oc logs` / `oc exec` talk to: `POD`, `pod/NAME`, or `deploy/NAME` (a pod
// the Deployment's selector picks, ready and running ones first, as kubectl does), and the default
// container (the `kubectl.kubernetes.io/default-container` annotation, else the first) with the
// same notice kubectl prints when a pod has several.
import { isPodReady, type KubeObject, selectorFromObject } from "@testbed/apimachinery";
import { type OcContext, resolveKind } from "./context.js";
import { OcError } from "./errors.js";

export async function selectPod(context: OcContext, reference: string): Promise<KubeObject> {
  const client = await context.client();
  const slash = reference.indexOf("/");
  const info = slash < 0 ? resolveKind("pods") : resolveKind(reference.slice(0, slash));
  const name = slash < 0 ? reference : reference.slice(slash + 1);
  if (info.kind === "Pod") return client.get(info, context.namespace, name);
  if (info.kind !== "Deployment") throw new OcError(`cannot attach to ${info.kind}: not implemented`);
  const deployment = await client.get(info, context.namespace, name);
  const selector = selectorFromObject(deployment.spec?.selector)
    .map((r) => `${r.key}=${r.values[0] ?? ""}`)
    .join(",");
  const pods = await client.list(resolveKind("pods"), context.namespace, selector);
  const ranked = [...pods].sort((a, b) => rank(a) - rank(b));
  const chosen = ranked[0];
  if (!chosen) throw new OcError(`timed out waiting for the condition`);
  if (pods.length > 1) context.io.err(`Found ${pods.length} pods, using pod/${chosen.metadata.name}\n`);
  return chosen;
}

/** Lower is better: running and ready pods first, terminating ones last. */
function rank(pod: KubeObject): number {
  if (pod.metadata.deletionTimestamp) return 3;
  if (pod.status?.phase === "Running") return isPodReady(pod) ? 0 : 1;
  return 2;
}

export function selectContainer(
  context: OcContext,
  pod: KubeObject,
  requested: string | undefined,
): string | undefined {
  if (requested) return requested;
  const containers = ((pod.spec?.containers ?? []) as Array<{ name: string }>).map((c) => c.name);
  const init = ((pod.spec?.initContainers ?? []) as Array<{ name: string }>).map((c) => c.name);
  const annotated = pod.metadata.annotations?.["kubectl.kubernetes.io/default-container"];
  const chosen = annotated && containers.includes(annotated) ? annotated : containers[0];
  if (chosen && containers.length + init.length > 1) {
    const all = [...containers, ...init.map((n) => `${n} (init)`)].join(", ");
    context.io.err(`Defaulted container "${chosen}" out of: ${all}\n`);
  }
  return chosen;
}
