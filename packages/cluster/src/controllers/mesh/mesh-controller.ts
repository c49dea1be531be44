// istiod for the simulated cluster. Any change to what gateways are built from (Gateways and their
// classes, HTTPRoutes, Services, Pods, InferencePools (of the group the Istio release watches), DestinationRules,
// EnvoyFilters, Secrets, Namespaces, the gateway Deployments) triggers one full pass: deploy each
// Gateway of an Istio class (Deployment + LoadBalancer Service), create each InferencePool's shadow
// Service, generate every gateway's config, apply its EnvoyFilters, push it to the MeshConfigHub
// when it changed, and write status on GatewayClasses, Gateways, HTTPRoutes, InferencePools and
// EnvoyFilters. Passes coalesce in the reconcile queue, so a burst of pod updates costs one pass.
import { isDeepStrictEqual } from "node:util";
import { type KubeObject, kubeTime, setCondition } from "@testbed/apimachinery";
import type { ObjectStore, WatchEvent } from "../../store/object-store.js";
import { type ControllerContext, QueuedController } from "../controller.js";
import { applyDesired } from "../desired-objects.js";
import type { EnvoyConfig, MeshConfigHub } from "../mesh-config-hub.js";
import { applyEnvoyFilters, type EnvoyFilterOutcome } from "./envoy-filter/apply-envoy-filters.js";
import { pushToProxy } from "./envoy-filter/xds-nack.js";
import { type GatewayGeneration, gatewayKey, generateGatewayConfig } from "./gateway-config.js";
import { gatewayDeployment, gatewayPodLabels, gatewayService } from "./gateway-deployment.js";
import { readInferencePool } from "./inference-pools.js";
import { asSeenBy, DEFAULT_ISTIO_VERSION, type IstioVersion, inferencePoolGroup, proxyImage } from "./istio-version.js";
import { type MeshSnapshot, snapshotFromStore, WATCHED_KINDS } from "./mesh-snapshot.js";
import { GATEWAY_GROUP, gatewayDeploymentName, MESH_CONTROLLER_NAMES, ROOT_NAMESPACE } from "./names.js";
import { shadowService } from "./shadow-service.js";
import { envoyFilterStatus } from "./status/envoy-filter-status.js";
import { gatewayStatus, readyGatewayPod } from "./status/gateway-status.js";
import { inferencePoolStatus } from "./status/pool-status.js";
import { httpRouteStatus, type RouteParentVerdict } from "./status/route-status.js";

export interface MeshControllerOptions {
  hub: MeshConfigHub;
  /** The Istio release translated as (default 1.26, the seed's OCP 4.20). */
  istio?: IstioVersion;
  rootNamespace?: string;
}

const PASS = "mesh";
const GATEWAY_CLASS = `${GATEWAY_GROUP}/GatewayClass`;
const GATEWAY = `${GATEWAY_GROUP}/Gateway`;
const HTTP_ROUTE = `${GATEWAY_GROUP}/HTTPRoute`;
const ENVOY_FILTER = "networking.istio.io/EnvoyFilter";
const TRIGGERS = new Set([...Object.keys(WATCHED_KINDS), "apps/Deployment"]);

/** istiod's reconcile loop: one full pass over every gateway per batch of changes. */
export class MeshController extends QueuedController {
  readonly name = "mesh-controller";
  readonly istio: IstioVersion;
  private readonly hub: MeshConfigHub;
  private readonly rootNamespace: string;
  private readonly published = new Map<string, string>();
  /** Per gateway, the config its proxy runs (the last push it accepted, in the parts it accepted). */
  private readonly running = new Map<string, EnvoyConfig>();
  private readonly reported = new Set<string>();
  constructor(options: MeshControllerOptions) {
    super();
    this.hub = options.hub;
    this.istio = options.istio ?? DEFAULT_ISTIO_VERSION;
    this.rootNamespace = options.rootNamespace ?? ROOT_NAMESPACE;
  }

  protected initialKeys(): string[] {
    return [PASS];
  }

  /** Every relevant change queues the one full pass (a burst of changes coalesces into one). */
  protected keysFor(event: WatchEvent): string[] {
    return TRIGGERS.has(event.key) ? [PASS] : [];
  }

  protected reconcile(_pass: string, context: ControllerContext): void {
    const { store } = context;
    const now = kubeTime(context.clock.now());
    const classes = this.ourClasses(store.peekList(GATEWAY_CLASS), store, now);
    const gateways = store
      .peekList(GATEWAY)
      .filter((g) => classes.has(String(g.spec?.gatewayClassName)) && !g.metadata.deletionTimestamp);
    for (const gateway of gateways) {
      this.ensure(store, gatewayDeployment(gateway, proxyImage(this.istio)));
      this.ensure(store, gatewayService(gateway));
    }
    for (const pool of store.peekList(`${inferencePoolGroup(this.istio)}/InferencePool`)) {
      if (!pool.metadata.deletionTimestamp) this.ensure(store, shadowService(readInferencePool(pool), this.istio));
    }
    const snapshot = asSeenBy(snapshotFromStore(store), this.istio);
    const generations = gateways.map((gateway) => this.program(snapshot, gateway));
    this.forgetRemovedGateways(new Set(gateways.map(gatewayKey)));
    this.writeStatuses(store, snapshot, gateways, generations, classes, now);
  }

  /** One object the mesh owns; a refusal is logged and does not stop the other gateways' programming. */
  private ensure(store: ObjectStore, desired: KubeObject): void {
    try {
      applyDesired(store, desired);
    } catch (error) {
      const note = `${desired.kind} ${desired.metadata.namespace}/${desired.metadata.name}: ${(error as Error).message}`;
      if (this.reported.has(note)) return;
      this.reported.add(note);
      this.context?.log(`mesh: cannot apply ${note}`);
    }
  }

  /** GatewayClasses handled here, each marked Accepted; returns name → controllerName. */
  private ourClasses(classes: KubeObject[], store: ObjectStore, now: string): Map<string, string> {
    const ours = new Map<string, string>();
    for (const gatewayClass of classes) {
      const controllerName = String(gatewayClass.spec?.controllerName ?? "");
      if (!MESH_CONTROLLER_NAMES.includes(controllerName)) continue;
      ours.set(gatewayClass.metadata.name, controllerName);
      const conditions = setCondition(
        gatewayClass.status?.conditions,
        {
          type: "Accepted",
          status: "True",
          reason: "Accepted",
          message: "Handled by Istio controller",
          observedGeneration: gatewayClass.metadata.generation ?? 1,
        },
        now,
      );
      store.updateStatus(GATEWAY_CLASS, undefined, gatewayClass.metadata.name, {
        ...(gatewayClass.status ?? {}),
        conditions,
      });
    }
    return ours;
  }

  private program(snapshot: MeshSnapshot, gateway: KubeObject): GatewayGeneration & { outcomes: EnvoyFilterOutcome[] } {
    const generation = generateGatewayConfig(snapshot, gateway, { istio: this.istio });
    const application = applyEnvoyFilters(generation.config, snapshot.envoyFilters, {
      namespace: gateway.metadata.namespace ?? "default",
      gatewayName: gateway.metadata.name,
      podLabels: gatewayPodLabels(gateway),
      rootNamespace: this.rootNamespace,
    });
    // What the proxy keeps when it NACKs the push: the hub holds what the gateway runs.
    const pushed = application.rejection
      ? pushToProxy(application.config, this.running.get(generation.key))
      : { config: application.config };
    if (pushed.nack) this.logNack(generation.key, pushed.nack);
    this.running.set(generation.key, pushed.config);
    const text = JSON.stringify(pushed.config);
    if (this.published.get(generation.key) !== text || !this.hub.has(generation.key)) {
      this.published.set(generation.key, text);
      this.hub.publish(generation.key, pushed.config);
    }
    for (const outcome of application.outcomes) this.logSkipped(generation.key, outcome);
    return { ...generation, config: pushed.config, outcomes: application.outcomes };
  }

  /** istiod's line for a NACK (pilot/pkg/xds/delta.go), once per gateway and message. */
  private logNack(gateway: string, nack: { type: string; message: string }): void {
    const note = `nack|${gateway}|${nack.message}`;
    if (this.reported.has(note)) return;
    this.reported.add(note);
    this.context?.log(`ADS:${nack.type}: ACK ERROR ${gateway} InvalidArgument:${nack.message}`);
  }

  private logSkipped(gateway: string, outcome: EnvoyFilterOutcome): void {
    const note = `${gateway}|${outcome.namespace}/${outcome.name}|${outcome.message ?? ""}`;
    if (outcome.applied || this.reported.has(note)) return;
    this.reported.add(note);
    this.context?.log(
      `mesh: EnvoyFilter ${outcome.namespace}/${outcome.name} on gateway ${gateway}: ${outcome.message}`,
    );
  }

  private forgetRemovedGateways(current: Set<string>): void {
    for (const key of [...this.published.keys()]) {
      if (current.has(key)) continue;
      this.published.delete(key);
      this.running.delete(key);
      this.hub.remove(key);
    }
  }

  private writeStatuses(
    store: ObjectStore,
    snapshot: MeshSnapshot,
    gateways: KubeObject[],
    generations: Array<GatewayGeneration & { outcomes: EnvoyFilterOutcome[] }>,
    classes: Map<string, string>,
    now: string,
  ): void {
    gateways.forEach((gateway, index) => {
      const generation = generations[index] as GatewayGeneration;
      updateStatus(store, GATEWAY, gateway, gatewayStatus(snapshot, gateway, generation, now));
      this.writeLoadBalancerStatus(store, snapshot, gateway);
    });
    this.writeRouteStatuses(store, snapshot, gateways, generations, classes, now);
    this.writePoolStatuses(store, snapshot, gateways, generations, now);
    this.writeEnvoyFilterStatuses(store, snapshot, gateways, generations, now);
  }

  /** The gateway Service's LoadBalancer ingress: the Ready gateway pod's IP (there is no cloud LB). */
  private writeLoadBalancerStatus(store: ObjectStore, snapshot: MeshSnapshot, gateway: KubeObject): void {
    const name = gatewayDeploymentName(gateway.metadata.name, String(gateway.spec?.gatewayClassName ?? ""));
    const service = store.peek("Service", gateway.metadata.namespace, name);
    if (!service) return;
    const pod = readyGatewayPod(snapshot, gateway);
    const loadBalancer = pod ? { ingress: [{ ip: String(pod.status.podIP) }] } : {};
    updateStatus(store, "Service", service, { ...(service.status ?? {}), loadBalancer });
  }

  private writeRouteStatuses(
    store: ObjectStore,
    snapshot: MeshSnapshot,
    gateways: KubeObject[],
    generations: GatewayGeneration[],
    classes: Map<string, string>,
    now: string,
  ): void {
    const ourControllers = [...new Set(classes.values())];
    for (const route of snapshot.httpRoutes) {
      const key = `${route.metadata.namespace}/${route.metadata.name}`;
      const verdicts: RouteParentVerdict[] = [];
      let problems: ReturnType<GatewayGeneration["routeProblems"]["get"]>;
      generations.forEach((generation, index) => {
        const controllerName = classes.get(String(gateways[index]?.spec?.gatewayClassName)) ?? "";
        for (const attachment of generation.attachments) {
          if (attachment.route.metadata.uid === route.metadata.uid) verdicts.push({ attachment, controllerName });
        }
        problems ??= generation.routeProblems.get(key);
      });
      const hadOurs = ((route.status?.parents ?? []) as Array<{ controllerName?: string }>).some((p) =>
        ourControllers.includes(String(p.controllerName)),
      );
      if (verdicts.length === 0 && !hadOurs) continue;
      updateStatus(store, HTTP_ROUTE, route, httpRouteStatus(route, verdicts, problems ?? [], ourControllers, now));
    }
  }

  private writePoolStatuses(
    store: ObjectStore,
    snapshot: MeshSnapshot,
    gateways: KubeObject[],
    generations: GatewayGeneration[],
    now: string,
  ): void {
    for (const pool of snapshot.inferencePools) {
      const view = readInferencePool(pool);
      const parents = gateways.filter((_, index) =>
        generations[index]?.pools.some(
          (p) => p.group === view.group && p.namespace === view.namespace && p.name === view.name,
        ),
      );
      updateStatus(store, `${view.group}/InferencePool`, pool, inferencePoolStatus(snapshot, pool, parents, now));
    }
  }

  private writeEnvoyFilterStatuses(
    store: ObjectStore,
    snapshot: MeshSnapshot,
    gateways: KubeObject[],
    generations: Array<{ outcomes: EnvoyFilterOutcome[] }>,
    now: string,
  ): void {
    for (const filter of snapshot.envoyFilters) {
      const outcomes = generations.flatMap((generation, index) =>
        generation.outcomes
          .filter((o) => o.namespace === filter.metadata.namespace && o.name === filter.metadata.name)
          .map((outcome) => ({ gateway: gatewayKey(gateways[index] as KubeObject), outcome })),
      );
      updateStatus(store, ENVOY_FILTER, filter, envoyFilterStatus(filter, outcomes, now));
    }
  }
}

function updateStatus(store: ObjectStore, key: string, object: KubeObject, status: Record<string, unknown>): void {
  if (isDeepStrictEqual(object.status, status)) return;
  try {
    store.updateStatus(key, object.metadata.namespace, object.metadata.name, status);
  } catch {
    // The object went away during the pass; the next pass sees the new state.
  }
}
