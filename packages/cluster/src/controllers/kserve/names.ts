// The names KServe gives an LLMInferenceService's children (its ChildName suffixes) and the labels
// it puts on them, plus the two labels the seed's commands select on, which the real controller
// does not set (`serving.kserve.io/inferenceservice`, `app=<n>-kserve-router-scheduler`).

export const LLMISVC_API_VERSION = "serving.kserve.io/v1alpha1";
export const LLMISVC_KEY = "serving.kserve.io/LLMInferenceService";

/** The mount path and file names every TLS-serving container of the service uses. */
export const TLS_MOUNT_PATH = "/var/run/kserve/tls";
export const SERVICE_CA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt";
export { SERVING_CERT_ANNOTATION } from "../service-ca.js";

export const DEFAULT_GATEWAY = { name: "openshift-ai-inference", namespace: "openshift-ingress" } as const;

/** One ServiceMonitor / PodMonitor per namespace, shared by every LLMInferenceService in it. */
export const SCHEDULER_MONITOR_NAME = "kserve-llm-isvc-scheduler";
export const ENGINE_MONITOR_NAME = "kserve-llm-isvc-vllm-engine";

export interface ChildNames {
  decode: string;
  prefill: string;
  scheduler: string;
  schedulerServiceAccount: string;
  workloadService: string;
  eppService: string;
  inferencePool: string;
  route: string;
  tlsSecret: string;
  schedulerRule: string;
  workloadRule: string;
  workloadServiceRule: string;
}

export function childNames(name: string): ChildNames {
  return {
    decode: `${name}-kserve`,
    prefill: `${name}-kserve-prefill`,
    scheduler: `${name}-kserve-router-scheduler`,
    schedulerServiceAccount: `${name}-epp-sa`,
    workloadService: `${name}-kserve-workload-svc`,
    eppService: `${name}-epp-service`,
    inferencePool: `${name}-inference-pool`,
    route: `${name}-kserve-route`,
    tlsSecret: `${name}-kserve-self-signed-certs`,
    schedulerRule: `${name}-kserve-scheduler`,
    workloadRule: `${name}-kserve-workload`,
    workloadServiceRule: `${name}-kserve-workload-svc`,
  };
}

export type WorkloadRole = "decode" | "prefill" | "both";

const PART_OF = { "app.kubernetes.io/part-of": "llminferenceservice" } as const;

/** Selects every workload pod of the service, prefill and decode alike (the Service and the InferencePool use it). */
export function workloadSelector(name: string): Record<string, string> {
  return { ...PART_OF, "app.kubernetes.io/name": name, "kserve.io/component": "workload" };
}

/** Labels of one workload Deployment's pods. */
export function workloadLabels(name: string, role: WorkloadRole): Record<string, string> {
  return {
    "app.kubernetes.io/component":
      role === "prefill" ? "llminferenceservice-workload-prefill" : "llminferenceservice-workload",
    ...workloadSelector(name),
    "llm-d.ai/role": role,
    // Not set by KServe; the seed's checks 11 and 12 select vLLM pods with it.
    "serving.kserve.io/inferenceservice": name,
  };
}

/** Selects the scheduler pods (the EPP Service uses it). */
export function schedulerSelector(name: string): Record<string, string> {
  return {
    "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
    "app.kubernetes.io/name": name,
    ...PART_OF,
  };
}

export function schedulerLabels(name: string): Record<string, string> {
  // `app` is not set by KServe; the seed's checks 9 and 10 select the EPP pod with it.
  return { ...schedulerSelector(name), app: childNames(name).scheduler };
}

/** Labels on the objects that are not pods (Services, InferencePool, HTTPRoute, …). */
export function ownedObjectLabels(name: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/component": component, "app.kubernetes.io/name": name, ...PART_OF };
}
