import type { KubeObject } from "@testbed/apimachinery";
import { mergePatch } from "@testbed/apimachinery";
import { childNames, ownedObjectLabels, workloadSelector } from "./names.js";

/**
 * The InferencePool (inference.networking.x-k8s.io/v1alpha2, the API RHOAI 3.2 installs). Its
 * selector leaves out `llm-d.ai/role`, so prefill and decode pods are both endpoints and the
 * EndpointPickerConfig alone decides which role a request lands on. `spec.router.scheduler.pool.spec`
 * is merged over the preset as a JSON merge patch (e.g. `extensionRef.failureMode: FailClose`).
 */
export function inferencePool(name: string, namespace: string, userSpec?: Record<string, unknown>): KubeObject {
  const names = childNames(name);
  return {
    apiVersion: "inference.networking.x-k8s.io/v1alpha2",
    kind: "InferencePool",
    metadata: {
      name: names.inferencePool,
      namespace,
      labels: ownedObjectLabels(name, "llminferenceservice-router-scheduler"),
    },
    spec: mergePatch(
      {
        selector: workloadSelector(name),
        targetPortNumber: 8000,
        extensionRef: { group: "", kind: "Service", name: names.eppService, portNumber: 9002, failureMode: "FailOpen" },
      },
      userSpec ?? {},
    ) as Record<string, unknown>,
  };
}
