import type { KubeObject } from "@testbed/apimachinery";
import { mergePatch } from "@testbed/apimachinery";
import { childNames, ownedObjectLabels, workloadSelector } from "./names.js";
import { POOL_GROUP_V1 } from "./pool-api.js";

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

/**
 * The same pool as inference.networking.k8s.io/v1, which KServe makes beside the v1alpha2 one from
 * RHOAI 3.4 (GIE's conversion: selector → selector.matchLabels, targetPortNumber → targetPorts,
 * extensionRef → endpointPickerRef with port.number).
 */
export function inferencePoolV1(alpha: KubeObject): KubeObject {
  const spec = alpha.spec as {
    selector: Record<string, string>;
    targetPortNumber: number;
    extensionRef: { group?: string; kind?: string; name: string; portNumber?: number; failureMode?: string };
  };
  const ref = spec.extensionRef;
  return {
    apiVersion: `${POOL_GROUP_V1}/v1`,
    kind: "InferencePool",
    metadata: structuredClone(alpha.metadata),
    spec: {
      selector: { matchLabels: { ...spec.selector } },
      targetPorts: [{ number: spec.targetPortNumber }],
      endpointPickerRef: {
        group: ref.group ?? "",
        kind: ref.kind ?? "Service",
        name: ref.name,
        port: { number: ref.portNumber ?? 9002 },
        ...(ref.failureMode ? { failureMode: ref.failureMode } : {}),
      },
    },
  };
}
