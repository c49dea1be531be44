import type { KubeObject } from "@testbed/apimachinery";
import { ApiError, notFound } from "@testbed/apimachinery";
import type { Controller, ControllerContext } from "../controllers/controller.js";
import { recordEvent } from "../store/events.js";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";
import { ContainerLogs, type LogEntry, type LogQuery } from "./container-logs.js";
import { NodeScheduler, podKey } from "./node-scheduler.js";
import { type Node, PodNetwork } from "./pod-network.js";
import { PodWorker, type PodWorkerDeps } from "./pod-worker.js";
import { PodProcess } from "./process/pod-process.js";
import type { ClusterServices, ContainerImage, ExecResult } from "./runtimes/container-runtime.js";
import { resolveServiceHost } from "./service-dns.js";

export const KUBELET_FINALIZER = "testbed.io/kubelet";

export interface KubeletOptions {
  services: Omit<ClusterServices, "store">;
  images: readonly ContainerImage[];
  nodes: Node[];
  /** Third octet of pod addresses (see pod-network.ts). */
  subnet: number;
  stateDir: string;
  restartBackoffMs: number;
  /** Every readiness probe's period; undefined: each probe's own periodSeconds (10 s by default). */
  probePeriodMs?: number | undefined;
  /** `in-process` (default): containers run in this process; `process`: each pod gets its own Node process. */
  isolation?: "in-process" | "process";
}

/**
 * The nodes' kubelets in one: binds each new Pod to a node (see node-scheduler.ts), gives it an
 * address, runs it with a PodWorker, and on deletion stops it and releases the finalizer so the
 * API server can remove it. Also the back end of `oc logs` and `oc exec`.
 */
export class Kubelet implements Controller {
  readonly name = "kubelet";
  readonly logs: ContainerLogs;
  private readonly workers = new Map<string, PodWorker>();
  private readonly podProcesses = new Map<string, PodProcess>();
  private readonly stopping = new Map<string, Promise<void>>();
  /** Pods the scheduler could not place, tried again when a pod leaves a node. */
  private readonly unschedulable = new Set<string>();
  private readonly scheduler: NodeScheduler;
  private readonly network: PodNetwork;
  private store: ObjectStore | undefined;
  private unwatch: (() => void) | undefined;

  constructor(private readonly options: KubeletOptions) {
    this.logs = new ContainerLogs(options.services.clock);
    this.scheduler = new NodeScheduler(options.nodes);
    this.network = new PodNetwork(options.subnet);
  }

  start(context: ControllerContext): void {
    this.store = context.store;
    this.unwatch = context.store.watch((event) => this.onEvent(event));
    for (const pod of context.store.list("Pod")) this.onEvent({ type: "ADDED", key: "Pod", object: pod });
  }

  stop(): void {
    this.unwatch?.();
  }

  /** Stop every pod (testbed shutdown); the store keeps the objects. */
  async shutdown(): Promise<void> {
    this.stop();
    await Promise.all([...this.workers.values()].map((worker) => worker.terminate()));
    this.workers.clear();
    for (const podProcess of this.podProcesses.values()) podProcess.close();
    this.podProcesses.clear();
  }

  nodes(): Node[] {
    return this.scheduler.nodes;
  }

  readLogs(namespace: string, pod: string, container: string | undefined, tailLines?: number): string[] {
    const worker = this.requireWorker(namespace, pod);
    return this.logs.read(worker.key, this.containerOf(worker, container), tailLines);
  }

  /** What `kubectl logs` shows (current or previous run, since a time, the last lines), with each line's time. */
  queryLogs(namespace: string, pod: string, container: string | undefined, query: LogQuery): LogEntry[] {
    const worker = this.requireWorker(namespace, pod);
    const name = this.containerOf(worker, container);
    if (query.previous && !this.logs.hasPrevious(worker.key, name)) {
      throw new ApiError("BadRequest", `previous terminated container "${name}" in pod "${pod}" not found`);
    }
    return this.logs.query(worker.key, name, query);
  }

  followLogs(
    namespace: string,
    pod: string,
    container: string | undefined,
    onLine: (line: string) => void,
  ): () => void {
    const worker = this.requireWorker(namespace, pod);
    return this.logs.follow(worker.key, this.containerOf(worker, container), onLine);
  }

  /** The OS process id of a pod's own process under `--isolation process` (undefined in process). */
  podProcessId(namespace: string, pod: string): number | undefined {
    return this.podProcesses.get(`${namespace}/${pod}`)?.pid;
  }

  exec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult> {
    return this.requireWorker(namespace, pod).exec(container, command);
  }

  /** Settle every pod (see RunningContainer.settle): the barrier between a deterministic load's requests. */
  async settle(): Promise<void> {
    await Promise.all([...this.workers.values()].map((worker) => worker.settle()));
  }

  private onEvent(event: WatchEvent): void {
    if (event.key === "Secret" || event.key === "ConfigMap") {
      for (const worker of this.workers.values()) worker.volumeSourceChanged(event.object);
      return;
    }
    if (event.key !== "Pod") return;
    const pod = event.object;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (event.type === "DELETED" || pod.metadata.deletionTimestamp) {
      this.stopPod(key, pod, event.type !== "DELETED").catch((error) => {
        process.emitWarning(`pod ${key} did not stop cleanly: ${(error as Error).stack ?? error}`);
      });
      return;
    }
    if (!this.workers.has(key) && !pod.spec?.nodeName) this.admit(key, pod);
  }

  /**
   * Binds the pod as it is stored now: the event's copy may be stale (changed or deleted since), and
   * binding from it would throw into the store's watch loop and strand the node slot and address.
   */
  private admit(key: string, announced: KubeObject): void {
    const store = this.store as ObjectStore;
    const pod = store.peek("Pod", announced.metadata.namespace, announced.metadata.name);
    if (!pod || pod.metadata.deletionTimestamp || pod.spec?.nodeName) return;
    const placement = this.scheduler.place(pod);
    if ("unschedulable" in placement) {
      this.markUnschedulable(store, key, pod, placement.unschedulable);
      return;
    }
    this.unschedulable.delete(key);
    const { node } = placement;
    let podIP: string | undefined;
    let bound: KubeObject;
    try {
      podIP = this.network.allocate(node);
      bound = store.update({
        ...pod,
        metadata: {
          ...pod.metadata,
          finalizers: [
            ...new Set([...((pod.metadata as { finalizers?: string[] }).finalizers ?? []), KUBELET_FINALIZER]),
          ],
        } as KubeObject["metadata"],
        spec: { ...pod.spec, nodeName: node.name },
      });
    } catch (error) {
      this.scheduler.release(node, podKey(pod));
      if (podIP) this.network.release(node, podIP);
      process.emitWarning(`pod ${key} cannot be bound to ${node.name}: ${(error as Error).message}`);
      return;
    }
    const worker = new PodWorker(bound, node, podIP, this.workerDeps(store, key));
    this.workers.set(key, worker);
    worker.run().catch((error) => {
      process.emitWarning(`pod ${key} failed to start: ${(error as Error).stack ?? error}`);
    });
  }

  /** One stop per pod: a second deletion event waits for the first stop instead of releasing the finalizer early. */
  private stopPod(key: string, pod: KubeObject, releaseFinalizer: boolean): Promise<void> {
    const pending = this.stopping.get(key);
    if (pending) return pending.then(() => (releaseFinalizer ? this.releaseFinalizer(pod) : undefined));
    const stop = this.stopWorker(key).then(() => (releaseFinalizer ? this.releaseFinalizer(pod) : undefined));
    this.stopping.set(key, stop);
    return stop.finally(() => this.stopping.delete(key));
  }

  private async stopWorker(key: string): Promise<void> {
    const worker = this.workers.get(key);
    if (worker) {
      this.workers.delete(key);
      await worker.terminate();
      this.podProcesses.get(key)?.close();
      this.podProcesses.delete(key);
      this.scheduler.release(worker.node, key);
      this.network.release(worker.node, worker.podIP);
      this.logs.forget(key);
      this.retryUnschedulable();
    }
    this.unschedulable.delete(key);
  }

  /**
   * kube-scheduler's answer to a pod that fits nowhere: PodScheduled False (Unschedulable) and a
   * FailedScheduling event; the pod stays Pending until a pod leaves a node.
   */
  private markUnschedulable(store: ObjectStore, key: string, pod: KubeObject, message: string): void {
    this.unschedulable.add(key);
    const now = store.now();
    const conditions = [
      {
        type: "PodScheduled",
        status: "False",
        lastProbeTime: null,
        lastTransitionTime: now,
        reason: "Unschedulable",
        message,
      },
    ];
    const previous = (pod.status?.conditions ?? []) as Array<Record<string, unknown>>;
    if (previous.some((c) => c.type === "PodScheduled" && c.message === message)) return;
    store.updateStatus("Pod", pod.metadata.namespace, pod.metadata.name, { phase: "Pending", conditions });
    recordEvent(store, pod, "Warning", "FailedScheduling", message, "default-scheduler");
  }

  private retryUnschedulable(): void {
    const store = this.store;
    if (!store) return;
    for (const key of [...this.unschedulable]) {
      const [namespace, name] = key.split("/") as [string, string];
      const pod = store.peek("Pod", namespace, name);
      if (!pod) this.unschedulable.delete(key);
      else this.admit(key, pod);
    }
  }

  private releaseFinalizer(pod: KubeObject): void {
    const store = this.store as ObjectStore;
    const current = store.get("Pod", pod.metadata.namespace, pod.metadata.name);
    const finalizers = (current?.metadata as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (current && finalizers.includes(KUBELET_FINALIZER)) {
      store.update({
        ...current,
        metadata: {
          ...current.metadata,
          finalizers: finalizers.filter((f) => f !== KUBELET_FINALIZER),
        } as KubeObject["metadata"],
      });
    }
  }

  private workerDeps(store: ObjectStore, podKey: string): PodWorkerDeps {
    const services = { ...this.options.services, store };
    return {
      store,
      services,
      launch: (image, context) => {
        if (this.options.isolation !== "process") return image.start(context);
        let podProcess = this.podProcesses.get(podKey);
        if (!podProcess?.alive) {
          podProcess = new PodProcess(context.pod, {
            ...services,
            fs: context.fs,
            podIP: context.podIP,
            node: context.node,
          });
          this.podProcesses.set(podKey, podProcess);
        }
        return podProcess.launch(image, context);
      },
      images: this.options.images,
      logs: this.logs,
      stateDir: this.options.stateDir,
      restartBackoffMs: this.options.restartBackoffMs,
      probePeriodMs: this.options.probePeriodMs,
      resolveHost: (host) => resolveServiceHost(store, host),
    };
  }

  private requireWorker(namespace: string, pod: string): PodWorker {
    const worker = this.workers.get(`${namespace}/${pod}`);
    if (!worker) throw notFound("pods", pod);
    return worker;
  }

  private containerOf(worker: PodWorker, container: string | undefined): string {
    if (container === undefined) return worker.defaultContainerName() ?? "";
    if (!worker.containerNames().includes(container)) {
      throw new ApiError("BadRequest", `container ${container} is not valid for pod ${worker.key.split("/")[1]}`);
    }
    return container;
  }
}
