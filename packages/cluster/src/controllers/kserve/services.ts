// The workload Service (HTTPS 8000 on every vLLM pod, the HTTPRoute's catch-all backend), the EPP
// Service (ext_proc gRPC, health and metrics) and the scheduler's ServiceAccount. Both Services ask
// OpenShift's service CA for a serving certificate in one Secret, the one the pods mount.
import type { KubeObject } from "@testbed/apimachinery";
import {
  childNames,
  ownedObjectLabels,
  SERVING_CERT_ANNOTATION,
  schedulerSelector,
  workloadSelector,
} from "./names.js";

/** The workload Service: HTTPS 8000 on every vLLM pod, the HTTPRoute's catch-all backend. */
export function workloadService(name: string, namespace: string): KubeObject {
  const names = childNames(name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: names.workloadService,
      namespace,
      labels: ownedObjectLabels(name, "llminferenceservice-workload"),
      annotations: { [SERVING_CERT_ANNOTATION]: names.tlsSecret },
    },
    spec: {
      type: "ClusterIP",
      ports: [{ name: "https", protocol: "TCP", appProtocol: "https", port: 8000, targetPort: 8000 }],
      selector: workloadSelector(name),
    },
  };
}

export function eppService(name: string, namespace: string): KubeObject {
  const names = childNames(name);
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: names.eppService,
      namespace,
      labels: ownedObjectLabels(name, "llminferenceservice-router-scheduler"),
      annotations: { [SERVING_CERT_ANNOTATION]: names.tlsSecret },
    },
    spec: {
      type: "ClusterIP",
      ports: [
        { name: "grpc", protocol: "TCP", appProtocol: "http2", port: 9002, targetPort: 9002 },
        { name: "grpc-health", protocol: "TCP", port: 9003, targetPort: 9003 },
        { name: "metrics", protocol: "TCP", port: 9090, targetPort: 9090 },
      ],
      selector: schedulerSelector(name),
    },
  };
}

export function schedulerServiceAccount(name: string, namespace: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: {
      name: childNames(name).schedulerServiceAccount,
      namespace,
      labels: ownedObjectLabels(name, "llminferenceservice-router-scheduler"),
    },
  };
}
