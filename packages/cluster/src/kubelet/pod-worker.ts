import { join } from "node:path";
import { type KubeObject, kubeTime } from "@testbed/apimachinery";
import type { TimerHandle } from "@testbed/common";
import { recordEvent } from "../store/events.js";
import type { ObjectStore } from "../store/object-store.js";
import { containerArgv, containerEnv } from "./command-line.js";
import type { ContainerLogs } from "./container-logs.js";
import type { DownwardPod } from "./downward-api.js";
import { execCommon } from "./exec-commands.js";
import { PodFilesystem } from "./pod-filesystem.js";
import { startPodLifecycle } from "./pod-lifecycle.js";
import type { Node } from "./pod-network.js";
import { buildPodStatus, type ContainerRecord } from "./pod-status.js";
import { mountVolumes, refreshVolumes, VolumeMountError } from "./pod-volumes.js";
import { runProbe } from "./probes.js";
import {
  type ClusterServices,
  type ContainerContext,
  type ContainerImage,
  type ContainerSpec,
  ContainerStartError,
  type ExecResult,
  type RunningContainer,
  repositoryName,
} from "./runtimes/container-runtime.js";

export interface PodWorkerDeps {
  store: ObjectStore;
  services: ClusterServices;
  /** Start a container's program: in this process, or in the pod's own process (`--isolation process`). */
  launch(image: ContainerImage, context: ContainerContext): Promise<RunningContainer>;
  images: readonly ContainerImage[];
  logs: ContainerLogs;
  stateDir: string;
  /** First restart delay; doubles per restart up to 5 minutes, as the kubelet's back-off. */
  restartBackoffMs: number;
  /** Every readiness probe's period; undefined: each probe's own periodSeconds (10 s by default). */
  probePeriodMs?: number | undefined;
  resolveHost(host: string): string | undefined;
}

const MAX_BACKOFF_MS = 300_000;

/** Runs one pod: volumes, init containers, native sidecars, containers, probes, restarts, status. */
export class PodWorker {
  private readonly lifecycle = startPodLifecycle();
  private readonly containers = new Map<string, ContainerRecord>();
  private readonly timers = new Set<TimerHandle>();
  readonly fs: PodFilesystem;
  private readonly startTime: string;
  /** The node's address, as status.hostIP and the downward API's status.hostIP show it. */
  private readonly hostIP: string;
  private statusQueued = false;
  private wakeMount: (() => void) | undefined;
  private stopping = false;

  constructor(
    private pod: KubeObject,
    readonly node: Node,
    readonly podIP: string,
    private readonly deps: PodWorkerDeps,
  ) {
    this.startTime = this.timestamp();
    this.hostIP = `127.${node.octet}.0.1`;
    this.fs = new PodFilesystem(join(deps.stateDir, "pods", `${pod.metadata.namespace}_${pod.metadata.name}`));
    for (const spec of (pod.spec?.initContainers ?? []) as ContainerSpec[]) {
      this.containers.set(spec.name, newRecord(spec, spec.restartPolicy === "Always" ? "sidecar" : "init"));
    }
    for (const spec of (pod.spec?.containers ?? []) as ContainerSpec[])
      this.containers.set(spec.name, newRecord(spec, "main"));
  }

  get key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  /** Every container name, init containers included (their logs stay readable after they finish). */
  containerNames(): string[] {
    return [...this.containers.keys()];
  }

  async run(): Promise<void> {
    this.lifecycle.send({ type: "SCHEDULED" });
    this.event("Normal", "Scheduled", `Successfully assigned ${this.key} to ${this.node.name}`, "default-scheduler");
    this.writeStatus();
    await this.mountWithRetry();
    for (const record of this.containers.values()) {
      if (this.stopping) return;
      if (record.kind === "init") {
        await this.runToCompletion(record);
      } else if (record.kind === "sidecar") await this.startContainer(record);
    }
    if (this.stopping) return;
    this.lifecycle.send({ type: "INITIALIZED" });
    await Promise.all(
      [...this.containers.values()].filter((c) => c.kind === "main").map((c) => this.startContainer(c)),
    );
  }

  async terminate(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.lifecycle.send({ type: "DELETE" });
    for (const timer of this.timers) this.deps.services.clock.clearTimeout(timer);
    this.wakeMount?.(); // a pod waiting for a Secret stops waiting
    for (const record of this.containers.values()) {
      if (record.running) this.event("Normal", "Killing", `Stopping container ${record.spec.name}`);
    }
    await Promise.all(
      [...this.containers.values()].map(async (record) => {
        const running = record.running;
        record.running = undefined;
        await running?.stop().catch(() => {});
      }),
    );
    this.lifecycle.send({ type: "STOPPED" });
    this.lifecycle.stop();
    this.fs.remove();
  }

  /** A Secret or ConfigMap changed: refresh the volumes it backs, and retry a mount that was waiting for it. */
  volumeSourceChanged(changed: KubeObject): void {
    if (this.stopping) return;
    refreshVolumes(this.pod, this.deps.store, this.fs, changed);
    this.wakeMount?.();
  }

  async exec(containerName: string | undefined, argv: string[]): Promise<ExecResult> {
    const record = containerName ? this.containers.get(containerName) : this.defaultContainer();
    if (!record || record.kind === "init") {
      return {
        stdout: "",
        stderr: `error: container ${containerName} is not valid for pod ${this.pod.metadata.name}\n`,
        exitCode: 1,
      };
    }
    if (!record.running) {
      return {
        stdout: "",
        stderr: `error: unable to upgrade connection: container not found ("${record.spec.name}")\n`,
        exitCode: 1,
      };
    }
    const specific = await record.running.exec?.(argv);
    if (specific) return specific;
    return execCommon(argv, {
      podIP: this.podIP,
      env: containerEnv(record.spec.env, this.downward()),
      fs: this.fs,
      resolveHost: this.deps.resolveHost,
      kill: (code) => void this.containerExited(record, record.generation, code, "killed by exec"),
    });
  }

  /** Resolves once every running container that can settle has (see RunningContainer.settle). */
  async settle(): Promise<void> {
    await Promise.all([...this.containers.values()].map((record) => record.running?.settle?.()));
  }

  defaultContainerName(): string | undefined {
    return this.defaultContainer()?.spec.name;
  }

  private defaultContainer(): ContainerRecord | undefined {
    const annotated = this.pod.metadata.annotations?.["kubectl.kubernetes.io/default-container"];
    const main = [...this.containers.values()].filter((c) => c.kind === "main");
    return main.find((c) => c.spec.name === annotated) ?? main[0];
  }

  private async mountWithRetry(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        mountVolumes(this.pod, this.deps.store, this.fs);
        return;
      } catch (error) {
        if (!(error instanceof VolumeMountError)) throw error;
        if (attempt === 0 || attempt % 20 === 0) this.event("Warning", "FailedMount", error.message);
        // Retry when a Secret/ConfigMap appears (the kubelet's informers), or after a back-off.
        await new Promise<void>((resolve) => {
          this.wakeMount = resolve;
          this.after(Math.min(2_000, 25 * 2 ** attempt), resolve);
        });
        this.wakeMount = undefined;
      }
    }
  }

  /** Resolves when the init container exits 0; failures are retried with back-off meanwhile. */
  private runToCompletion(record: ContainerRecord): Promise<number> {
    return new Promise((resolve) => {
      record.onExit = resolve;
      void this.startContainer(record);
    });
  }

  private async startContainer(record: ContainerRecord): Promise<void> {
    if (this.stopping) return;
    const image = this.deps.images.find((candidate) => candidate.matches(repositoryName(record.spec.image)));
    const generation = ++record.generation;
    if (!image) {
      record.state = {
        waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${record.spec.image}"` },
      };
      this.event(
        "Warning",
        "Failed",
        `Failed to pull image "${record.spec.image}": the testbed runs offline and has no program for this image`,
      );
      this.writeStatus();
      return;
    }
    this.event("Normal", "Pulled", `Container image "${record.spec.image}" already present on machine`);
    const env = containerEnv(record.spec.env, this.downward());
    const log = this.deps.logs.sink(this.key, record.spec.name);
    try {
      record.running = await this.deps.launch(image, {
        pod: this.pod,
        container: record.spec,
        argv: containerArgv(record.spec.command, record.spec.args, env),
        env,
        podIP: this.podIP,
        node: this.node,
        fs: this.fs,
        log,
        cluster: this.deps.services,
        exited: (code, message) => void this.containerExited(record, generation, code, message),
      });
    } catch (error) {
      const code = error instanceof ContainerStartError ? error.exitCode : 1;
      log((error as Error).message);
      await this.containerExited(record, generation, code, (error as Error).message);
      return;
    }
    if (this.stopping) {
      await record.running.stop();
      return;
    }
    record.state = { running: { startedAt: this.timestamp() } };
    record.ready = !record.spec.readinessProbe;
    this.event("Normal", "Started", `Started container ${record.spec.name}`);
    this.writeStatus();
    if (record.spec.readinessProbe && record.kind !== "init") this.probeLoop(record, generation, true);
  }

  private async containerExited(
    record: ContainerRecord,
    generation: number,
    code: number,
    message: string,
  ): Promise<void> {
    if (this.stopping || generation !== record.generation) return;
    const running = record.running;
    record.running = undefined;
    record.generation++;
    await running?.stop().catch(() => {});
    const finishedAt = this.timestamp();
    const terminated = { exitCode: code, reason: code === 0 ? "Completed" : "Error", message, finishedAt };
    record.ready = false;
    if (record.kind === "init" && code === 0) {
      record.state = { terminated };
      this.writeStatus();
      record.onExit?.(0);
      return;
    }
    if (record.kind === "main" && !this.restarts(code)) {
      // restartPolicy Never (or OnFailure after a success): the container stays terminated.
      record.state = { terminated };
      this.writeStatus();
      return;
    }
    record.lastState = { terminated };
    const delay = Math.min(MAX_BACKOFF_MS, this.deps.restartBackoffMs * 2 ** record.restartCount);
    record.restartCount++;
    record.state = {
      waiting: {
        reason: "CrashLoopBackOff",
        message: `back-off ${formatDelay(delay)} restarting failed container=${record.spec.name} pod=${this.pod.metadata.name}`,
      },
    };
    this.event(
      "Warning",
      "BackOff",
      `Back-off restarting failed container ${record.spec.name} in pod ${this.pod.metadata.name}`,
    );
    this.writeStatus();
    // An init container keeps its onExit: the pod's start-up resumes when a retry completes.
    this.after(delay, () => void this.startContainer(record));
  }

  /** The pod's restartPolicy for a main container that exited with this code (Always by default). */
  private restarts(code: number): boolean {
    const policy = this.pod.spec?.restartPolicy ?? "Always";
    return policy === "Always" || (policy === "OnFailure" && code !== 0);
  }

  private probeLoop(record: ContainerRecord, generation: number, starting: boolean): void {
    const probe = record.spec.readinessProbe;
    if (!probe || this.stopping || generation !== record.generation) return;
    let failures = 0;
    // The kubelet's default periodSeconds is 10 (k8s.io/api core/v1 Probe).
    const period = this.deps.probePeriodMs ?? (probe.periodSeconds ?? 10) * 1000;
    const tick = async () => {
      if (this.stopping || generation !== record.generation) return;
      const ok = await runProbe(probe, this.podIP, record.spec, this.deps.services.clock);
      if (this.stopping || generation !== record.generation) return;
      failures = ok ? 0 : failures + 1;
      const threshold = probe.failureThreshold ?? 3;
      const ready = ok || (record.ready && failures < threshold);
      if (ready !== record.ready) {
        record.ready = ready;
        if (!ready) this.event("Warning", "Unhealthy", `Readiness probe failed for container ${record.spec.name}`);
        this.writeStatus();
      }
      // Poll quickly until first ready, so pods come up in milliseconds; then at the probe period.
      this.after(record.ready || !starting ? period : 20, tick);
      if (record.ready) starting = false;
    };
    void tick();
  }

  /** The pod as the downward API shows it to a container's env. */
  private downward(): DownwardPod {
    return { pod: this.pod, podIP: this.podIP, hostIP: this.hostIP };
  }

  private writeStatus(): void {
    if (this.statusQueued) return;
    this.statusQueued = true;
    queueMicrotask(() => {
      this.statusQueued = false;
      if (this.lifecycle.state() === "terminated") return;
      const status = buildPodStatus({
        phase: this.lifecycle.state(),
        containers: [...this.containers.values()],
        podIP: this.podIP,
        hostIP: this.hostIP,
        startTime: this.startTime,
        previous: this.pod.status,
        now: this.timestamp(),
      });
      try {
        this.pod = this.deps.store.updateStatus("Pod", this.pod.metadata.namespace, this.pod.metadata.name, status);
      } catch {
        // The pod is gone; its worker is being torn down.
      }
    });
  }

  /** Kubernetes' timestamp format, from the testbed's clock (a run under a simulated clock is reproducible). */
  private timestamp(): string {
    return kubeTime(this.deps.services.clock.now());
  }

  private event(type: "Normal" | "Warning", reason: string, message: string, component = "kubelet"): void {
    recordEvent(this.deps.store, this.pod, type, reason, message, component);
  }

  private after(ms: number, fn: () => void): void {
    const timer = this.deps.services.clock.setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function newRecord(spec: ContainerSpec, kind: ContainerRecord["kind"]): ContainerRecord {
  return {
    spec,
    kind,
    state: { waiting: { reason: kind === "main" ? "PodInitializing" : "ContainerCreating" } },
    ready: false,
    restartCount: 0,
    generation: 0,
  };
}

function formatDelay(ms: number): string {
  const seconds = ms / 1000;
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${Math.round(seconds % 60)}s` : `${seconds}s`;
}
