// The Deployments an LLMInferenceService runs: decode (or `both`), prefill, and the scheduler.
import type { KubeObject } from "@testbed/apimachinery";
import { childNames, schedulerLabels, type WorkloadRole, workloadLabels } from "./names.js";
import { schedulerPodSpec } from "./scheduler-template.js";
import type { LlmisvcSpec, PodSpec } from "./spec.js";
import { workloadPodSpec } from "./workload-template.js";

/** The Deployment of the vLLM pods of one role: decode, prefill, or `both`. */
export function workloadDeployment(name: string, namespace: string, spec: LlmisvcSpec, role: WorkloadRole): KubeObject {
  const names = childNames(name);
  const prefill = role === "prefill";
  const labels = workloadLabels(name, role);
  const podSpec = workloadPodSpec({
    name,
    modelUri: spec.modelUri,
    servedModelName: spec.servedModelName,
    role,
    userTemplate: prefill ? spec.prefill?.template : spec.template,
  });
  return deployment(
    prefill ? names.prefill : names.decode,
    namespace,
    labels,
    podSpec,
    prefill ? (spec.prefill?.replicas ?? 1) : spec.replicas,
  );
}

export function schedulerDeployment(name: string, namespace: string, spec: LlmisvcSpec): KubeObject {
  const podSpec = schedulerPodSpec({
    name,
    namespace,
    disaggregated: spec.prefill !== undefined,
    userTemplate: spec.router?.scheduler?.template,
  });
  return deployment(childNames(name).scheduler, namespace, schedulerLabels(name), podSpec, 1);
}

function deployment(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  podSpec: PodSpec,
  replicas: number,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, labels: { ...labels } },
    spec: {
      replicas,
      selector: { matchLabels: { ...labels } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" } },
      template: { metadata: { labels: { ...labels } }, spec: podSpec },
    },
  };
}
