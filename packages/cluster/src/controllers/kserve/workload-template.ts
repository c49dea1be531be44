// The vLLM pod presets (kserve-config-llm-template, -decode-template, -prefill-template) as
// RHOAI 3.2 ships them, with the user's template merged over. The kubelet chooses what to run
// from each image's repository, so the images are the real ones.
import { childNames, TLS_MOUNT_PATH, type WorkloadRole } from "./names.js";
import { mergePodSpec } from "./pod-spec-merge.js";
import type { PodSpec } from "./spec.js";

export const VLLM_IMAGE = "registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.5";
export const STORAGE_INITIALIZER_IMAGE = "quay.io/modh/kserve-storage-initializer:rhoai-3.2";
export const ROUTING_SIDECAR_IMAGE = "ghcr.io/llm-d/llm-d-routing-sidecar:v0.2.0";

const MODEL_DIR = "/mnt/models";
/** The port clients reach a workload pod on; a decode pod's sidecar holds it and vLLM moves to 8001. */
const SERVING_PORT = 8000;
const DECODE_VLLM_PORT = 8001;

export interface WorkloadInput {
  name: string;
  modelUri: string;
  servedModelName: string;
  role: WorkloadRole;
  userTemplate: PodSpec | undefined;
}

export function workloadPodSpec(input: WorkloadInput): PodSpec {
  const vllmPort = input.role === "decode" ? DECODE_VLLM_PORT : SERVING_PORT;
  const preset: PodSpec = {
    initContainers: [
      storageInitializer(input.modelUri),
      ...(input.role === "decode" ? [routingSidecar(vllmPort)] : []),
    ],
    containers: [vllmContainer(input.servedModelName, vllmPort)],
    volumes: [
      { name: "home", emptyDir: {} },
      { name: "dshm", emptyDir: { medium: "Memory", sizeLimit: "1Gi" } },
      { name: "model-cache", emptyDir: {} },
      { name: "tls-certs", secret: { secretName: childNames(input.name).tlsSecret } },
    ],
    terminationGracePeriodSeconds: 30,
  };
  return mergePodSpec(preset, input.userTemplate);
}

/** The preset's entrypoint: `eval` so `${VLLM_ADDITIONAL_ARGS}` splits into flags. */
export function vllmServeScript(servedModelName: string, port: number): string {
  return (
    `eval "vllm serve ${MODEL_DIR} --served-model-name ${servedModelName} --port ${port} \${VLLM_ADDITIONAL_ARGS}` +
    ` --enable-ssl-refresh --ssl-certfile ${TLS_MOUNT_PATH}/tls.crt --ssl-keyfile ${TLS_MOUNT_PATH}/tls.key"`
  );
}

function vllmContainer(servedModelName: string, port: number): PodSpec {
  const health = { httpGet: { path: "/health", port, scheme: "HTTPS" } };
  return {
    name: "main",
    image: VLLM_IMAGE,
    imagePullPolicy: "IfNotPresent",
    command: ["/bin/bash", "-c"],
    args: [vllmServeScript(servedModelName, port)],
    env: [
      { name: "HOME", value: "/home" },
      { name: "VLLM_LOGGING_LEVEL", value: "INFO" },
    ],
    ports: [{ name: "https", containerPort: port, protocol: "TCP" }],
    livenessProbe: { ...health, initialDelaySeconds: 120, periodSeconds: 10, timeoutSeconds: 10, failureThreshold: 3 },
    readinessProbe: { ...health, initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 60 },
    resources: { limits: { "nvidia.com/gpu": "1" }, requests: { "nvidia.com/gpu": "1" } },
    volumeMounts: [
      { name: "home", mountPath: "/home" },
      { name: "dshm", mountPath: "/dev/shm" },
      { name: "model-cache", mountPath: MODEL_DIR, readOnly: true },
      { name: "tls-certs", mountPath: TLS_MOUNT_PATH, readOnly: true },
    ],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

function storageInitializer(modelUri: string): PodSpec {
  return {
    name: "storage-initializer",
    image: STORAGE_INITIALIZER_IMAGE,
    args: [modelUri, MODEL_DIR],
    resources: { limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "100m", memory: "100Mi" } },
    volumeMounts: [{ name: "model-cache", mountPath: MODEL_DIR }],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}

/** llm-d's routing sidecar as a native sidecar (an init container that keeps running). */
function routingSidecar(vllmPort: number): PodSpec {
  return {
    name: "llm-d-routing-sidecar",
    image: ROUTING_SIDECAR_IMAGE,
    imagePullPolicy: "IfNotPresent",
    restartPolicy: "Always",
    args: [
      `--port=${SERVING_PORT}`,
      `--vllm-port=${vllmPort}`,
      "--connector=nixlv2",
      "--secure-proxy=true",
      `--cert-path=${TLS_MOUNT_PATH}`,
      "--decoder-use-tls=true",
      "--prefiller-use-tls=true",
      "--enable-ssrf-protection=false",
    ],
    env: [{ name: "INFERENCE_POOL_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
    ports: [{ name: "https", containerPort: SERVING_PORT, protocol: "TCP" }],
    readinessProbe: {
      tcpSocket: { port: SERVING_PORT },
      initialDelaySeconds: 10,
      periodSeconds: 10,
      timeoutSeconds: 5,
    },
    volumeMounts: [{ name: "tls-certs", mountPath: TLS_MOUNT_PATH, readOnly: true }],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}
