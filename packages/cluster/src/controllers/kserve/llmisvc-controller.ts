import { isDeepStrictEqual } from "node:util";
import type { KubeObject } from "../../store/kube-object.js";
import type { WatchEvent } from "../../store/object-store.js";
import { type Controller, type ControllerContext, eventKey, ReconcileQueue, splitKey } from "../controller.js";
import { syncChildren } from "./child-sync.js";
import { desiredChildren } from "./desired-children.js";
import { LLMISVC_KEY } from "./names.js";
import { readSpec } from "./spec.js";
import { invalidSpecStatus, llmisvcStatus } from "./status.js";

/** Events about these kinds can change some service's status or need a shared child recreated. */
const NAMESPACE_WIDE_KINDS = new Set([
  "gateway.networking.k8s.io/HTTPRoute",
  "monitoring.coreos.com/ServiceMonitor",
  "monitoring.coreos.com/PodMonitor",
]);
const GATEWAY = "gateway.networking.k8s.io/Gateway";

/**
 * KServe's LLMInferenceService controller (RHOAI 3.2): turns each service into its Deployments,
 * Services, InferencePool, HTTPRoute, DestinationRules and monitors, keeps them as the spec says
 * (a spec change rewrites the affected Deployment templates; the Deployment controller rolls their
 * pods), recreates children someone deletes, and reports readiness and the URL in status.
 */
export class LlmInferenceServiceController implements Controller {
  readonly name = "llmisvc-controller";
  private queue: ReconcileQueue | undefined;
  private unwatch: (() => void) | undefined;
  private context: ControllerContext | undefined;

  start(context: ControllerContext): void {
    this.context = context;
    this.queue = new ReconcileQueue(this.name, (key) => this.reconcile(key), context.log);
    this.unwatch = context.store.watch((event) => this.onEvent(event));
    this.enqueueAll();
  }

  stop(): void {
    this.unwatch?.();
    this.queue?.stop();
  }

  /** Resolves when no reconcile is queued or running. */
  async idle(): Promise<void> {
    await this.queue?.idle();
  }

  private onEvent(event: WatchEvent): void {
    if (event.key === LLMISVC_KEY) {
      this.queue?.enqueue(eventKey(event));
      return;
    }
    const owner = event.object.metadata.ownerReferences?.find(
      (ref) => ref.controller && ref.kind === "LLMInferenceService",
    );
    if (owner) this.queue?.enqueue(`${event.object.metadata.namespace}/${owner.name}`);
    // A gateway's address is every attached service's URL; gateways live in another namespace.
    if (event.key === GATEWAY) this.enqueueAll();
    else if (NAMESPACE_WIDE_KINDS.has(event.key)) this.enqueueAll(event.object.metadata.namespace);
  }

  private enqueueAll(namespace?: string): void {
    const services = this.context?.store.list(LLMISVC_KEY, namespace === undefined ? {} : { namespace }) ?? [];
    for (const service of services) this.queue?.enqueue(`${service.metadata.namespace}/${service.metadata.name}`);
  }

  private reconcile(key: string): void {
    const context = this.context;
    if (!context) return;
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
    const now = new Date(context.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const result = readSpec(service);
    if (!result.ok) {
      context.log(`${this.name}: ${namespace}/${name}: invalid spec: ${result.message}`);
      return invalidSpecStatus(service.status, generation, result.message, now);
    }
    const problems = syncChildren(context.store, service, desiredChildren(name, namespace, result.spec));
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
