import type { KubeObject } from "@testbed/apimachinery";
import type { Clock, LogSink } from "@testbed/common";
import type { EnvoyVersion } from "@testbed/gateway";
import type { MeshConfigHub } from "../../controllers/mesh-config-hub.js";
import type { StoreView } from "../../store/store-view.js";
import type { PodFilesystem } from "../pod-filesystem.js";
import type { Node } from "../pod-network.js";

/** The parts of a PodSpec container the kubelet reads. */
export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  ports?: Array<{ containerPort: number; name?: string; protocol?: string }>;
  readinessProbe?: Probe;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  /** `Always` on an init container makes it a native sidecar. */
  restartPolicy?: string;
}

export interface Probe {
  httpGet?: { path?: string; port: number | string; scheme?: string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number; service?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

/** What the cluster offers the programs running in pods. */
export interface ClusterServices {
  store: StoreView;
  hub: MeshConfigHub;
  /** The Envoy release of the mesh's gateways (from the Istio version). */
  envoyVersion: EnvoyVersion;
  clock: Clock;
  /** 0 = as fast as possible, 1 = real T4 timing. */
  timeScale: number;
  seed: number;
  /**
   * vLLM pods share this process's tokenizer and do not load it at start: the testbed loads it once
   * the cluster is Ready, or the first request does. A pod in its own process loads its own at start.
   */
  sharedTokenizer?: boolean;
}

export interface ContainerContext {
  pod: KubeObject;
  container: ContainerSpec;
  /** The resolved command line (command + args, env expanded, shell scripts split). */
  argv: string[];
  env: Record<string, string>;
  podIP: string;
  node: Node;
  fs: PodFilesystem;
  log: LogSink;
  cluster: ClusterServices;
  /** The program ended on its own (crash, or a run-to-completion container finishing). */
  exited(code: number, message: string): void;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunningContainer {
  stop(): Promise<void>;
  /** Commands this container's image provides beyond the common ones (e.g. istio-proxy's pilot-agent). */
  exec?(argv: string[]): Promise<ExecResult | undefined>;
  /**
   * Resolves once what the program knows of other pods is current (the EPP: every pod scraped, and
   * idle). A deterministic load calls it between requests. In-process containers only.
   */
  settle?(): Promise<void>;
}

/** One image the kubelet can run, chosen by the image's repository name. */
export interface ContainerImage {
  /** Human name for logs and docs. */
  name: string;
  matches(repository: string): boolean;
  start(context: ContainerContext): Promise<RunningContainer>;
}

/** `registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.5` → `vllm-cuda-rhel9`. */
export function repositoryName(image: string): string {
  const withoutDigest = image.split("@")[0] ?? image;
  const lastSegment = withoutDigest.split("/").pop() ?? withoutDigest;
  return lastSegment.split(":")[0] ?? lastSegment;
}

/** Thrown by start(): the container fails with this reason (e.g. a bad flag → Error, exit 2). */
export class ContainerStartError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
