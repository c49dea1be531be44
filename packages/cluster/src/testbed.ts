import { rmSync } from "node:fs";
import type { KubeObject } from "@testbed/apimachinery";
import { type ApplyResult, applyManifests, isPodReady, loadManifests } from "@testbed/apimachinery";
import { type Clock, type LogSink, prepareKeyPairs, silentSink, systemClock } from "@testbed/common";
import { type ApiServerHandle, startApiServer } from "./api/api-server.js";
import { createApiServingCert } from "./api/api-serving-cert.js";
import { rfc3339Nano } from "./api/log-options.js";
import { type Controller, QueuedController } from "./controllers/controller.js";
import { DeploymentController } from "./controllers/deployment-controller.js";
import { IngressCertificateController } from "./controllers/ingress-certificates.js";
import { LlmInferenceServiceController } from "./controllers/kserve/llmisvc-controller.js";
import { KuadrantController } from "./controllers/kuadrant/kuadrant-controller.js";
import {
  DEFAULT_ISTIO_VERSION,
  envoyVersionOf,
  type IstioVersion,
  sailVersion,
} from "./controllers/mesh/istio-version.js";
import { MeshController } from "./controllers/mesh/mesh-controller.js";
import { MeshConfigHub } from "./controllers/mesh-config-hub.js";
import { ServiceCaController } from "./controllers/service-ca.js";
import { Kubelet } from "./kubelet/kubelet.js";
import { isNodeManifest, nodeShapes, registerNodes } from "./kubelet/node-shapes.js";
import { DEFAULT_SUBNET, defaultNodes } from "./kubelet/pod-network.js";
import { makePodStateDir } from "./kubelet/pod-state-dir.js";
import { repositoryName } from "./kubelet/runtimes/container-runtime.js";
import { TESTBED_IMAGES } from "./kubelet/runtimes/images.js";
import { vllmImage } from "./kubelet/runtimes/vllm.js";
import { checkSubnetFree } from "./kubelet/subnet-in-use.js";
import { storeTarget } from "./manifests/store-target.js";
import { detectPrivilegedPorts } from "./network/ports.js";
import { ObjectStore } from "./store/object-store.js";

export interface TestbedOptions {
  /**
   * Manifests applied at start, as one batch: a directory (e.g. topologies/rhoai-3.2), a file, or several
   * (a shipped topology plus a case's own objects); none = an empty cluster.
   */
  topology: string | readonly string[] | undefined;
  /** The Istio release the mesh behaves as (and so its gateways' Envoy release). */
  istio: IstioVersion;
  /** vLLM latency scale: 1 = real T4 timing, 0 = as fast as possible. */
  timeScale: number;
  seed: number;
  /** API server address; port 0 picks a free one. */
  apiHost: string;
  apiPort: number;
  /**
   * The bearer token the API server requires (`testbed up` makes one for its kubeconfig); with one the
   * API serves HTTPS with a CA of its own (api.ca). None: open, plain HTTP (tests).
   */
  apiToken?: string;
  /** Third octet of pod addresses, so several testbeds (test files) can share a machine. */
  subnet: number;
  restartBackoffMs: number;
  /**
   * Every readiness probe's period (tests shorten it); undefined: each probe's own periodSeconds, as
   * the kubelet runs them, so an idle testbed probes no more often than a cluster does.
   */
  probePeriodMs?: number | undefined;
  /** `in-process`: every pod in this process; `process`: each pod in its own Node process (all cores, crash isolation). */
  isolation: "in-process" | "process";
  /**
   * Time for the whole cluster: store timestamps, controllers, the kubelet's back-off and probes, and
   * every in-process pod (gateway, EPP, vLLM, Kuadrant). Pods under `isolation: process` use their own wall clock.
   */
  clock: Clock;
  /** Control-plane messages (reconcile failures). */
  log: LogSink;
}

export const DEFAULT_TESTBED_OPTIONS: TestbedOptions = {
  topology: undefined,
  istio: DEFAULT_ISTIO_VERSION,
  timeScale: 1,
  seed: 0,
  apiHost: "127.0.0.1",
  apiPort: 6443,
  subnet: DEFAULT_SUBNET,
  restartBackoffMs: 10_000,
  probePeriodMs: undefined,
  isolation: "in-process",
  clock: systemClock,
  log: silentSink,
};

export interface TestbedHandle {
  store: ObjectStore;
  hub: MeshConfigHub;
  kubelet: Kubelet;
  api: ApiServerHandle;
  applied: ApplyResult[];
  options: TestbedOptions;
  /** Resolves when every pod is Ready and every Gateway has an address (or rejects after timeoutMs). */
  waitUntilReady(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The whole simulated cluster in this process: object store and API server, the controllers
 * (service CA, ingress certificates, Deployments, KServe, mesh, Kuadrant), and the kubelet that
 * runs pods on loopback addresses. With a topology, its manifests are applied as `oc apply -f` would.
 */
export async function startTestbed(overrides: Partial<TestbedOptions> = {}): Promise<TestbedHandle> {
  const options: TestbedOptions = { ...DEFAULT_TESTBED_OPTIONS, ...definedOnly(overrides) };
  // The certificate authorities' keys, and RSA keys for the first certificates signed (the service
  // CA's first serving certificate, the EPP's self-signed one), generate on the thread pool while
  // this thread reads the topology, starts the API server and applies it; the controllers start after that.
  prepareKeyPairs("RSA-2048", 3);
  const authorities = Promise.all([ServiceCaController.create(), IngressCertificateController.create()]);
  // Started first, awaited where needed: the certificates are signed on another thread (see
  // @testbed/common's certificates) while this one reads and parses the topology.
  const apiTls = options.apiToken ? createApiServingCert(options.apiHost) : undefined;
  for (const started of [authorities, apiTls]) started?.catch(() => {}); // awaited below, unless the start fails before
  const manifests = options.topology ? await topologyManifests(options.topology) : [];
  // Node manifests in the topology are the cluster's nodes (node-shapes.ts); without any, the default eight.
  const shapes = nodeShapes(manifests.map((manifest) => manifest.object));
  const nodes = shapes ?? defaultNodes();
  // Before anything starts: pods on a taken subnet could not bind their addresses (CrashLoopBackOff).
  await checkSubnetFree(options.subnet, nodes);
  await detectPrivilegedPorts();
  const stateDir = makePodStateDir();
  const store = new ObjectStore(options.clock);
  const hub = new MeshConfigHub();
  const kubelet = new Kubelet({
    services: {
      hub,
      envoyVersion: envoyVersionOf(options.istio),
      clock: options.clock,
      timeScale: options.timeScale,
      seed: options.seed,
      sharedTokenizer: options.isolation === "in-process",
    },
    images: TESTBED_IMAGES,
    nodes,
    subnet: options.subnet,
    stateDir,
    restartBackoffMs: options.restartBackoffMs,
    probePeriodMs: options.probePeriodMs,
    isolation: options.isolation,
  });
  let controllers: Controller[] = [];
  let api: ApiServerHandle | undefined;
  const loadTokenizer = new TokenizerLoadAfterReady(store);
  const stop = async () => {
    loadTokenizer.cancel();
    await api?.close();
    for (const controller of controllers) controller.stop();
    await kubelet.shutdown();
    rmSync(stateDir, { recursive: true, force: true });
  };
  let applied: ApplyResult[];
  try {
    api = await startApiServer({
      store,
      host: options.apiHost,
      port: options.apiPort,
      clock: options.clock,
      token: options.apiToken,
      tls: await apiTls,
      podAccess: {
        logs: (namespace, pod, container, logOptions) =>
          kubelet
            .queryLogs(namespace, pod, container, logOptions)
            .map((entry) => (logOptions.timestamps ? `${rfc3339Nano(entry.time)} ${entry.line}` : entry.line)),
        followLogs: (namespace, pod, container, onLine) => kubelet.followLogs(namespace, pod, container, onLine),
        exec: (namespace, pod, container, command) => kubelet.exec(namespace, pod, container, command),
      },
    });
    // Only declared nodes become Node objects: the default cluster's objects (and the pod names their
    // resourceVersions seed) stay as they were.
    if (shapes) registerNodes(store, shapes);
    applied = await applyManifests(
      storeTarget(store),
      manifests.filter((manifest) => !isNodeManifest(manifest.object)),
    );
    reportIstioRelease(store, options.istio);
    // Started after the topology is in the store: each controller's first pass covers what is there.
    const [serviceCa, ingress] = await authorities;
    controllers = [
      serviceCa,
      ingress,
      new DeploymentController(),
      new LlmInferenceServiceController(),
      new MeshController({ hub, istio: options.istio }),
      new KuadrantController(),
      kubelet,
    ];
    const context = { store, clock: options.clock, log: options.log };
    for (const controller of controllers) controller.start(context);
    await firstPasses(store, controllers);
  } catch (error) {
    // A taken port or a bad topology: release what started, or the server and pods keep the process alive.
    await stop();
    throw error;
  }

  return {
    store,
    hub,
    kubelet,
    api,
    applied,
    options,
    async waitUntilReady(timeoutMs = 30_000) {
      await waitUntilReady(store, controllers, options.clock, timeoutMs);
      if (options.isolation === "in-process") loadTokenizer.afterReady();
    },
    close: stop,
  };
}

/**
 * The Sail operator's Istio resource says which release runs the mesh (`oc get istio -A`); the testbed's
 * release is its --istio profile, so a topology's Istio resource is brought in line with it.
 */
function reportIstioRelease(store: ObjectStore, istio: IstioVersion): void {
  const resource = store.get("sailoperator.io/Istio", undefined, "default");
  const version = sailVersion(istio);
  if (!resource || resource.spec?.version === version) return;
  store.update({ ...resource, spec: { ...resource.spec, version } });
  if (resource.status) store.updateStatus("sailoperator.io/Istio", undefined, "default", resource.status);
}

/** Every manifest of the topology's directories and files, in the order given. */
async function topologyManifests(topology: string | readonly string[]) {
  const sources = typeof topology === "string" ? [topology] : topology;
  return (await Promise.all(sources.map((source) => loadManifests(source)))).flat();
}

/** Checks again on every store change (no polling); the timeout runs on the testbed's clock. */
function waitUntilReady(store: ObjectStore, controllers: Controller[], clock: Clock, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    let checking = false;
    const check = async () => {
      if (done || checking || notReady(store).length > 0) return;
      // Ready as the objects say: let the controllers catch up with the change that made it so (the
      // mesh republishing the gateways with the new endpoints), then look again.
      checking = true;
      await firstPasses(store, controllers);
      checking = false;
      if (done || notReady(store).length > 0) return;
      done = true;
      clock.clearTimeout(timeout);
      unwatch();
      resolve();
    };
    const unwatch = store.watch(() => void check());
    const timeout = clock.setTimeout(() => {
      done = true;
      unwatch();
      reject(new Error(`not ready after ${timeoutMs} ms: ${notReady(store).join(", ")}`));
    }, timeoutMs);
    void check();
  });
}

/**
 * Until the controllers have reconciled the topology and what that made in turn (KServe's
 * Deployments, their pods, the mesh's gateways): the readiness check then sees every object the
 * topology leads to, so a cluster is never reported Ready before its pods exist. The pods start
 * meanwhile; this waits for the control plane, not for them.
 */
async function firstPasses(store: ObjectStore, controllers: Controller[]): Promise<void> {
  const queued = controllers.filter((controller) => controller instanceof QueuedController);
  for (;;) {
    await store.settled();
    await Promise.all(queued.map((controller) => controller.idle()));
    if (store.isSettled() && queued.every((controller) => controller.isIdle())) return;
  }
}

/**
 * The in-process vLLM pods share one Qwen3 tokenizer and become Ready without it (loading it takes
 * about half a second of this one thread). The first time a caller has seen the cluster Ready, and
 * after that caller has gone on (`testbed up` prints its banner), load it while the user reads, so the
 * first request does not wait for it — the node "pre-pulling the image". Without a wait for Ready,
 * the first request that tokenizes loads it.
 */
class TokenizerLoadAfterReady {
  private scheduled = false;
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly store: ObjectStore) {}

  afterReady(): void {
    if (this.scheduled || !runsVllm(this.store)) return;
    this.scheduled = true;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      void import("@testbed/vllm-sim").then(({ qwen3Tokenizer }) => qwen3Tokenizer().load());
    });
  }

  cancel(): void {
    this.scheduled = true;
    if (this.pending) clearImmediate(this.pending);
  }
}

function runsVllm(store: ObjectStore): boolean {
  return store
    .peekList("Pod")
    .some((pod) =>
      [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((container: { image?: string }) =>
        vllmImage.matches(repositoryName(container.image ?? "")),
      ),
    );
}

/** What keeps the testbed from being ready: pods not Ready, Deployments short of replicas, Gateways without address. */
export function notReady(store: ObjectStore): string[] {
  const waiting: string[] = [];
  for (const deployment of store.peekList("apps/Deployment")) {
    const wanted = deployment.spec?.replicas ?? 1;
    if ((deployment.status?.readyReplicas ?? 0) < wanted || (deployment.status?.updatedReplicas ?? 0) < wanted) {
      waiting.push(`deployment/${deployment.metadata.name}`);
    }
  }
  for (const pod of store.peekList("Pod")) {
    if (!isPodReady(pod) && !pod.metadata.deletionTimestamp) waiting.push(`pod/${pod.metadata.name}`);
  }
  for (const gateway of store.peekList("gateway.networking.k8s.io/Gateway")) {
    const programmed = (gateway.status?.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === "Programmed" && c.status === "True",
    );
    if (!gatewayAddress(gateway) || !programmed) waiting.push(`gateway/${gateway.metadata.name}`);
  }
  return waiting;
}

export function gatewayAddress(gateway: KubeObject): string | undefined {
  return gateway.status?.addresses?.[0]?.value;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
