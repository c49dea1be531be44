// Messages between the kubelet and a pod's own process (`--isolation process`), over Node's IPC
// channel. The pod process runs the pod's containers; the kubelet keeps everything else (probes,
// restarts, status, volumes) and feeds the pod the store objects and gateway configs it reads.
import type { KubeObject } from "@testbed/apimachinery";
import type { EnvoyVersion } from "@testbed/gateway";
import type { EnvoyConfig } from "../../controllers/mesh-config-hub.js";
import type { WatchEvent } from "../../store/object-store.js";
import type { Node } from "../pod-network.js";
import type { ContainerSpec, ExecResult } from "../runtimes/container-runtime.js";

/** What a new pod process is started with: its pod, node, address, files and run settings. */
export interface PodHostSetup {
  pod: KubeObject;
  node: Node;
  podIP: string;
  fsRoot: string;
  mounts: Array<{ mountPath: string; hostPath: string }>;
  timeScale: number;
  seed: number;
  /** The Envoy release gateway containers behave as. */
  envoyVersion: EnvoyVersion;
  /** Whether ports below 1024 bind as they are (the kubelet probed it; see network/ports.ts). */
  privilegedPorts: boolean;
  /** The current objects of the kinds programs read (Pods, Secrets, InferencePools, AuthConfigs). */
  objects: Array<{ key: string; object: KubeObject }>;
}

export type ToPodHost =
  | { type: "setup"; setup: PodHostSetup }
  | {
      type: "start";
      container: string;
      spec: ContainerSpec;
      argv: string[];
      env: Record<string, string>;
      image: string;
    }
  | { type: "stop"; container: string }
  | { type: "exec"; id: number; container: string; argv: string[] }
  | { type: "watch"; event: WatchEvent }
  | { type: "mesh"; key: string; config: EnvoyConfig };

export type FromPodHost =
  | { type: "log"; container: string; line: string }
  | { type: "started"; container: string }
  | { type: "failed"; container: string; code: number; message: string }
  | { type: "exited"; container: string; code: number; message: string }
  | { type: "stopped"; container: string }
  | { type: "execResult"; id: number; result: ExecResult | null };

/** The kinds a pod's programs read from the store; only these are mirrored into pod processes. */
export const MIRRORED_KINDS = [
  "Pod",
  "Secret",
  "inference.networking.x-k8s.io/InferencePool",
  "inference.networking.k8s.io/InferencePool",
  "authorino.kuadrant.io/AuthConfig",
];
