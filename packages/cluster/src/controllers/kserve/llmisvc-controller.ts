import { isDeepStrictEqual } from "node:util";
import { type KubeObject, kubeTime } from "@testbed/apimachinery";
import type { WatchEvent } from "../../store/object-store.js";
import { type ControllerContext, eventKey, QueuedController, splitKey } from "../controller.js";
import { syncChildren } from "./child-sync.js";
import { desiredChildren } from "./desired-children.js";
import { childNames, LLMISVC_KEY } from "./names.js";
import { makesV1Pools, rhoaiRelease, routePoolGroup } from "./pool-api.js";
import { readSpec } from "./spec.js";
import { invalidSpecStatus, llmisvcStatus } from "./status.js";

/** Events about these kinds can change some service's status or need a shared child recreated. */
const NAMESPACE_WIDE_KINDS = new Set([
  "gateway.networking.k8s.io/HTTPRoute",
  "monitoring.coreos.com/ServiceMonitor",
  "monitoring.coreos.com/PodMonitor",
]);
const GATEWAY = "gateway.networking.k8s.io/Gateway";
const ROUTE = "gateway.networking.k8s.io/HTTPRoute";

/**
 * KServe's LLMInferenceService controller (RHOAI 3.2; from 3.4 its InferencePool API handling,
 * pool-api.ts): turns each service into its Deployments,
 * Services, InferencePool, HTTPRoute, DestinationRules and monitors, keeps them as the spec says
 * (a spec change rewrites the affected Deployment templates; the Deployment controller rolls their
 * pods), recreates children someone deletes, and reports readiness and the URL in status.
 */
export class LlmInferenceServiceController extends QueuedController {
  readonly name = "llmisvc-controller";

  protected initialKeys(context: ControllerContext): string[] {
    return this.allServices(context);
  }

  protected keysFor(event: WatchEvent, context: ControllerContext): string[] {
    if (event.key === LLMISVC_KEY) return [eventKey(event)];
    const owner = event.object.metadata.ownerReferences?.find(
      (ref) => ref.controller && ref.kind === "LLMInferenceService",
    );
    const keys = owner ? [`${event.object.metadata.namespace}/${owner.name}`] : [];
    // A gateway's address is every attached service's URL; gateways live in another namespace.
    if (event.key === GATEWAY) keys.push(...this.allServices(context));
    else if (NAMESPACE_WIDE_KINDS.has(event.key))
      keys.push(...this.allServices(context, event.object.metadata.namespace));
    return keys;
  }

  private allServices(context: ControllerContext, namespace?: string): string[] {
    return context.store
      .list(LLMISVC_KEY, namespace === undefined ? {} : { namespace })
      .map((service) => `${service.metadata.namespace}/${service.metadata.name}`);
  }

  protected reconcile(key: string, context: ControllerContext): void {
    const { namespace, name } = splitKey(key);
    const service = context.store.get(LLMISVC_KEY, namespace, name);
    // Children of a deleted service go with it through their owner references.
    if (!service || service.metadata.deletionTimestamp) return;
    const status = this.desiredStatus(context, service);
    if (!isDeepStrictEqual(status, service.status)) context.store.updateStatus(LLMISVC_KEY, namespace, name, status);
  }

  private desiredStatus(context: ControllerContext, service: KubeObject): Record<string, unknown> {
    const { namespace = "default", name } = service.metadata;
    const generation = service.metadata.generation ?? 1;
    const now = kubeTime(context.clock.now());
    const result = readSpec(service);
    if (!result.ok) {
      context.log(`${this.name}: ${namespace}/${name}: invalid spec: ${result.message}`);
      return invalidSpecStatus(service.status, generation, result.message, now);
    }
    const release = rhoaiRelease(context.store);
    const poolApi = {
      v1Pools: makesV1Pools(release),
      routeGroup: routePoolGroup(context.store.get(ROUTE, namespace, childNames(name).route), release),
    };
    const problems = syncChildren(context.store, service, desiredChildren(name, namespace, result.spec, poolApi));
    for (const problem of problems) context.log(`${this.name}: ${namespace}/${name}: ${problem}`);
    return llmisvcStatus({
      store: context.store,
      name,
      namespace,
      generation,
      spec: result.spec,
      previous: service.status,
      now,
      problems,
    });
  }
}
