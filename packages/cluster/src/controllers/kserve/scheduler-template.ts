// The scheduler (EPP) pod preset, kserve-config-llm-scheduler as RHOAI 3.2 ships it. The user's
// `spec.router.scheduler.template` merges over it, and a user `args` list replaces the preset's
// whole (see pod-spec-merge.ts). There is no scheduler-config field in 3.2: the EndpointPickerConfig
// travels as `--config-text`, which the controller appends only when the args name no config.
import { childNames, TLS_MOUNT_PATH } from "./names.js";
import { mergePodSpec } from "./pod-spec-merge.js";
import { DEFAULT_PD_SCHEDULER_CONFIG, DEFAULT_SCHEDULER_CONFIG } from "./scheduler-configs.js";
import type { PodSpec } from "./spec.js";

export const SCHEDULER_IMAGE = "ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0";
const EXT_PROC_SERVICE = "envoy.service.ext_proc.v3.ExternalProcessor";
const CONFIG_FLAGS = ["--config-text", "--config-file"];

export interface SchedulerInput {
  name: string;
  namespace: string;
  disaggregated: boolean;
  userTemplate: PodSpec | undefined;
}

export function presetSchedulerArgs(name: string, namespace: string): string[] {
  return [
    "--pool-name",
    childNames(name).inferencePool,
    "--pool-namespace",
    namespace,
    "--pool-group",
    "inference.networking.x-k8s.io",
    "--zap-encoder",
    "json",
    "--grpc-port",
    "9002",
    "--grpc-health-port",
    "9003",
    "--secure-serving",
    "--model-server-metrics-scheme",
    "https",
    "--cert-path",
    TLS_MOUNT_PATH,
  ];
}

export function schedulerPodSpec(input: SchedulerInput): PodSpec {
  const preset: PodSpec = {
    serviceAccountName: childNames(input.name).schedulerServiceAccount,
    containers: [schedulerContainer(input.name, input.namespace)],
    volumes: [{ name: "tls-certs", secret: { secretName: childNames(input.name).tlsSecret } }],
    terminationGracePeriodSeconds: 130,
  };
  const merged = mergePodSpec(preset, input.userTemplate);
  const main = (merged.containers as PodSpec[]).find((container) => container.name === "main");
  if (main) main.args = withConfig(main.args ?? [], input.disaggregated);
  return merged;
}

/** Appends the default `--config-text` unless some config flag is already there (also as `--flag=value`). */
export function withConfig(args: string[], disaggregated: boolean): string[] {
  const hasConfig = args.some((arg) => CONFIG_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`)));
  if (hasConfig) return args;
  return [...args, "--config-text", disaggregated ? DEFAULT_PD_SCHEDULER_CONFIG : DEFAULT_SCHEDULER_CONFIG];
}

function schedulerContainer(name: string, namespace: string): PodSpec {
  const grpcProbe = { grpc: { port: 9003, service: EXT_PROC_SERVICE } };
  return {
    name: "main",
    image: SCHEDULER_IMAGE,
    imagePullPolicy: "IfNotPresent",
    args: presetSchedulerArgs(name, namespace),
    ports: [
      { name: "grpc", containerPort: 9002, protocol: "TCP" },
      { name: "grpc-health", containerPort: 9003, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
      { name: "zmq", containerPort: 5557, protocol: "TCP" },
    ],
    livenessProbe: { ...grpcProbe, initialDelaySeconds: 5, periodSeconds: 10 },
    readinessProbe: { ...grpcProbe, initialDelaySeconds: 5, periodSeconds: 10 },
    resources: { requests: { cpu: "256m", memory: "500Mi" } },
    volumeMounts: [{ name: "tls-certs", mountPath: TLS_MOUNT_PATH, readOnly: true }],
    terminationMessagePolicy: "FallbackToLogsOnError",
  };
}
