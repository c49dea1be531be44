// Istio's automated deployment for a Gateway: a one-replica Deployment running istio-proxy and a
// LoadBalancer Service, both `<gateway>-<gatewayClassName>` in the Gateway's namespace and owned by
// it. The pod labels are what EnvoyFilter workloadSelectors and the seed's `-l` selectors match.
import { controllerReference, type KubeObject } from "@testbed/apimachinery";
import {
  CANONICAL_NAME_LABEL,
  GATEWAY_NAME_LABEL,
  gatewayDeploymentName,
  ISTIO_GATEWAY_NAME_LABEL,
  PROMETHEUS_PORT,
  PROXY_CONTAINER,
  PROXY_IMAGE,
  STATUS_PORT,
} from "./names.js";

export interface GatewayListenerPort {
  name: string;
  port: number;
  protocol: string;
}

export function gatewayPodLabels(gateway: KubeObject): Record<string, string> {
  const name = gateway.metadata.name;
  const className = String(gateway.spec?.gatewayClassName ?? "");
  return {
    [GATEWAY_NAME_LABEL]: name,
    [ISTIO_GATEWAY_NAME_LABEL]: name,
    [CANONICAL_NAME_LABEL]: gatewayDeploymentName(name, className),
    "sidecar.istio.io/inject": "false",
  };
}

/** The Gateway's listener ports, one entry per distinct port (first listener's name wins). */
export function gatewayListenerPorts(gateway: KubeObject): GatewayListenerPort[] {
  const seen = new Map<number, GatewayListenerPort>();
  for (const listener of (gateway.spec?.listeners ?? []) as Array<Record<string, unknown>>) {
    const port = Number(listener.port);
    if (!Number.isInteger(port) || seen.has(port)) continue;
    const protocol = String(listener.protocol ?? "HTTP");
    seen.set(port, { name: portName(String(listener.name ?? ""), protocol, port), port, protocol });
  }
  return [...seen.values()];
}

/** A Service/container port name from a listener name (DNS label, at most 15 characters for containers). */
function portName(listener: string, protocol: string, port: number): string {
  const cleaned = listener
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^-+|-+$/g, "");
  return cleaned === "" ? `${protocol.toLowerCase()}-${port}` : cleaned;
}

export function gatewayDeployment(gateway: KubeObject, image: string = PROXY_IMAGE): KubeObject {
  const name = gatewayDeploymentName(gateway.metadata.name, String(gateway.spec?.gatewayClassName ?? ""));
  const labels = gatewayPodLabels(gateway);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name,
      namespace: gateway.metadata.namespace,
      labels: { ...labels, "gateway.istio.io/managed": "istio.io-gateway-controller" },
      ownerReferences: [controllerReference(gateway)],
    },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gateway.metadata.name } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: PROXY_CONTAINER,
              image,
              ports: [
                { name: "status-port", containerPort: STATUS_PORT, protocol: "TCP" },
                { name: "http-envoy-prom", containerPort: PROMETHEUS_PORT, protocol: "TCP" },
                ...gatewayListenerPorts(gateway).map((p) => ({
                  name: p.name.slice(0, 15),
                  containerPort: p.port,
                  protocol: "TCP",
                })),
              ],
              readinessProbe: {
                httpGet: { path: "/healthz/ready", port: STATUS_PORT, scheme: "HTTP" },
                periodSeconds: 15,
                timeoutSeconds: 1,
                failureThreshold: 4,
              },
            },
          ],
        },
      },
    },
  };
}

export function gatewayService(gateway: KubeObject): KubeObject {
  const name = gatewayDeploymentName(gateway.metadata.name, String(gateway.spec?.gatewayClassName ?? ""));
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name,
      namespace: gateway.metadata.namespace,
      labels: { ...gatewayPodLabels(gateway), "gateway.istio.io/managed": "istio.io-gateway-controller" },
      ownerReferences: [controllerReference(gateway)],
    },
    spec: {
      type: "LoadBalancer",
      selector: { [GATEWAY_NAME_LABEL]: gateway.metadata.name },
      ports: [
        { name: "status-port", port: STATUS_PORT, protocol: "TCP", appProtocol: "tcp", targetPort: STATUS_PORT },
        ...gatewayListenerPorts(gateway).map((p) => ({
          name: p.name,
          port: p.port,
          protocol: "TCP",
          appProtocol: p.protocol === "HTTPS" ? "https" : p.protocol === "HTTP" ? "http" : "tcp",
          targetPort: p.port,
        })),
      ],
    },
  };
}
