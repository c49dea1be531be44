import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { EnvoyVersion } from "@testbed/gateway";
import type { MeshConfigHub } from "../../controllers/mesh-config-hub.js";
import { servingPort } from "../../network/ports.js";
import type { ObjectStore } from "../../store/object-store.js";
import type { PodFilesystem } from "../pod-filesystem.js";
import type { Node } from "../pod-network.js";
import type { ContainerContext, ContainerImage, ExecResult, RunningContainer } from "../runtimes/container-runtime.js";
import { ContainerStartError } from "../runtimes/container-runtime.js";
import { type FromPodHost, MIRRORED_KINDS, type ToPodHost } from "./pod-host-protocol.js";

// Compiled (dist/), the pod host is plain JavaScript for plain Node; from the sources (tests, tsx)
// it goes through tsx and resolves the workspace packages to their sources too.
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const POD_HOST = fileURLToPath(new URL(FROM_SOURCES ? "./pod-host.ts" : "./pod-host.js", import.meta.url));
const POD_HOST_NODE_FLAGS = FROM_SOURCES ? ["--conditions=development", "--import", import.meta.resolve("tsx")] : [];
const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";

interface ContainerChannel {
  log: (line: string) => void;
  exited: (code: number, message: string) => void;
  started?: () => void;
  failed?: (code: number, message: string) => void;
  stopped?: () => void;
}

export interface PodProcessOptions {
  store: ObjectStore;
  hub: MeshConfigHub;
  fs: PodFilesystem;
  podIP: string;
  node: Node;
  timeScale: number;
  seed: number;
  envoyVersion: EnvoyVersion;
}

/**
 * One pod's own Node process (`--isolation process`): a crash or a busy event loop in one pod
 * leaves the others alone, and the pods spread over every core. The kubelet starts and stops
 * containers in it over IPC and forwards what its programs read — store events of the mirrored
 * kinds and, for a gateway pod, its Envoy configs.
 */
export class PodProcess {
  private readonly child: ChildProcess;
  private readonly containers = new Map<string, ContainerChannel>();
  private readonly execs = new Map<number, (result: ExecResult | null) => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private nextExec = 0;
  private gone = false;

  constructor(pod: ContainerContext["pod"], options: PodProcessOptions) {
    this.child = fork(POD_HOST, [], { execArgv: POD_HOST_NODE_FLAGS, stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.child.on("message", (message: FromPodHost) => this.onMessage(message));
    this.child.on("exit", (code) => this.onProcessExit(code ?? 1));
    const objects = MIRRORED_KINDS.flatMap((key) => options.store.list(key).map((object) => ({ key, object })));
    this.send({
      type: "setup",
      setup: {
        pod,
        node: options.node,
        podIP: options.podIP,
        fsRoot: options.fs.root,
        mounts: options.fs.mountTable(),
        timeScale: options.timeScale,
        seed: options.seed,
        envoyVersion: options.envoyVersion,
        privilegedPorts: servingPort(443) === 443,
        objects,
      },
    });
    this.unsubscribe.push(
      options.store.watch((event) => {
        if (MIRRORED_KINDS.includes(event.key)) this.send({ type: "watch", event });
      }),
    );
    const gateway = pod.metadata.labels?.[GATEWAY_NAME_LABEL];
    if (gateway) {
      const key = `${pod.metadata.namespace}/${gateway}`;
      this.unsubscribe.push(options.hub.subscribe(key, (config) => this.send({ type: "mesh", key, config })));
    }
  }

  /** Start one container's program in the pod process; resolves once it is serving. */
  launch(image: ContainerImage, context: ContainerContext): Promise<RunningContainer> {
    const name = context.container.name;
    return new Promise((resolve, reject) => {
      const channel: ContainerChannel = {
        log: context.log,
        exited: context.exited,
        started: () => resolve(this.running(name)),
        failed: (code, message) => reject(new ContainerStartError(message, code)),
      };
      this.containers.set(name, channel);
      this.send({
        type: "start",
        container: name,
        spec: context.container,
        argv: context.argv,
        env: context.env,
        image: image.name,
      });
    });
  }

  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.gone = true;
    this.child.kill("SIGKILL");
  }

  private running(name: string): RunningContainer {
    return {
      stop: () =>
        new Promise<void>((resolve) => {
          const channel = this.containers.get(name);
          if (!channel || this.gone) return resolve();
          channel.stopped = () => {
            this.containers.delete(name);
            resolve();
          };
          this.send({ type: "stop", container: name });
        }),
      exec: (argv) =>
        new Promise((resolve) => {
          const id = ++this.nextExec;
          this.execs.set(id, (result) => resolve(result ?? undefined));
          this.send({ type: "exec", id, container: name, argv });
        }),
    };
  }

  private onMessage(message: FromPodHost): void {
    if (message.type === "execResult") {
      this.execs.get(message.id)?.(message.result);
      this.execs.delete(message.id);
      return;
    }
    const channel = this.containers.get(message.container);
    if (!channel) return;
    if (message.type === "log") channel.log(message.line);
    else if (message.type === "started") channel.started?.();
    else if (message.type === "failed") {
      this.containers.delete(message.container);
      channel.failed?.(message.code, message.message);
    } else if (message.type === "exited") {
      this.containers.delete(message.container);
      channel.exited(message.code, message.message);
    } else if (message.type === "stopped") channel.stopped?.();
  }

  /** The whole pod process died (OOM, a crash): every container in it exits with the process's code. */
  private onProcessExit(code: number): void {
    if (this.gone) return;
    this.gone = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const [name, channel] of this.containers) {
      channel.failed?.(code || 137, "the pod process exited");
      channel.exited(code || 137, "the pod process exited");
      this.containers.delete(name);
    }
    for (const resolve of this.execs.values()) resolve({ stdout: "", stderr: "pod process exited\n", exitCode: 137 });
    this.execs.clear();
  }

  get pid(): number | undefined {
    return this.gone ? undefined : this.child.pid;
  }

  get alive(): boolean {
    return !this.gone;
  }

  private send(message: ToPodHost): void {
    if (!this.gone && this.child.connected) this.child.send(message);
  }
}
