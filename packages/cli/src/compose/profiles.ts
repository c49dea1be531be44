import type { ObjectStore } from "@testbed/cluster";
import { composeAddress } from "./compose-addresses.js";
import { IMAGE, published } from "./compose-services.js";

/**
 * The compose profiles beside the cluster:
 * - `observability`: Prometheus scraping every pod and the EPP (deploy/observability/prometheus-compose.yml) and
 *   Grafana with the provisioned data source and the two dashboards (EPP routing, vLLM performance);
 * - `real-epp`: the real llm-d EPP image in its no-Kubernetes mode (file discovery of the same pods), with its
 *   own gateway on :8445 and a one-shot run of the EPP contract suite against it.
 */
export function observabilityServices(): Record<string, Record<string, unknown>> {
  return {
    prometheus: {
      image: "prom/prometheus:v3.5.0",
      profiles: ["observability"],
      command: ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"],
      volumes: [
        "./deploy/observability/prometheus-compose.yml:/etc/prometheus/prometheus.yml:ro",
        "prometheus-data:/prometheus",
      ],
      ports: [published("9090:9090")],
      networks: { testbed: { ipv4_address: "10.132.18.90" } },
    },
    grafana: {
      image: "grafana/grafana:12.1.1",
      profiles: ["observability"],
      environment: {
        // Dashboards open without a login, read-only: an anonymous Admin could change data sources and users.
        GF_AUTH_ANONYMOUS_ENABLED: "true",
        GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
        PROMETHEUS_URL: "http://prometheus:9090",
      },
      volumes: [
        "./deploy/observability/grafana/provisioning:/etc/grafana/provisioning:ro",
        "./deploy/observability/dashboards:/var/lib/grafana/dashboards:ro",
      ],
      ports: [published("3000:3000")],
      depends_on: ["prometheus"],
      networks: { testbed: { ipv4_address: "10.132.18.91" } },
    },
  };
}

const REAL_EPP = "10.128.18.40";
const EPP_SERVICE = "qwen3-0-6b-epp-service.my-first-model.svc";

/** The openshift-ai-inference config with its EPP cluster pointed at the real EPP (run under upstream rules). */
export function realEppGatewayConfig(config: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(config) as {
    static_resources?: { clusters?: Array<{ name?: string; load_assignment?: unknown }> };
  };
  for (const cluster of copy.static_resources?.clusters ?? []) {
    if (!String(cluster.name).startsWith(`outbound|9002||qwen3-0-6b-epp-service`)) continue;
    cluster.load_assignment = {
      cluster_name: cluster.name,
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: REAL_EPP, port_value: 9002 } } } }] },
      ],
    };
  }
  return copy;
}

/** Prefill pods first, then decode pods: the order `testbed contract --pods` expects. */
export function realEppServices(store: ObjectStore): Record<string, Record<string, unknown>> {
  const pods = store.list("Pod", { namespace: "my-first-model" }).filter((p) => p.metadata.labels?.["llm-d.ai/role"]);
  const byRole = (role: string) =>
    pods
      .filter((p) => p.metadata.labels?.["llm-d.ai/role"] === role)
      .map((p) => `${composeAddress(p.status?.podIP as string)}:8000`);
  const contractPods = [...byRole("prefill"), ...byRole("decode")].join(",");
  return {
    "epp-real": {
      // The llm-d-router EPP with the file-discovery plugin (its no-Kubernetes mode), pinned to release v0.10.0
      // (2026-08-17; image name per llm-d-router#2048, tag per llm-d/llm-d#2294); override with REAL_EPP_IMAGE.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable substitution.
      image: "${REAL_EPP_IMAGE:-ghcr.io/llm-d/llm-d-router-endpoint-picker:v0.10.0}",
      profiles: ["real-epp"],
      command: [
        "--config-file=/etc/testbed/epp/real-epp-config.yaml",
        "--pool-name=file-discovery",
        "--pool-namespace=default",
        "--grpc-port=9002",
        "--grpc-health-port=9003",
        "--metrics-port=9090",
        "--secure-serving=true",
        "--cert-path=/var/run/kserve/tls",
        "--v=2",
      ],
      volumes: ["./deploy/compose/epp:/etc/testbed/epp:ro", "serving-certs:/var/run/kserve/tls:ro"],
      networks: { testbed: { ipv4_address: REAL_EPP } },
      depends_on: { certs: { condition: "service_completed_successfully" } },
    },
    "contract-real-epp": {
      image: IMAGE,
      profiles: ["real-epp"],
      command: [
        "contract",
        "--epp",
        `${REAL_EPP}:9002`,
        "--tls-ca",
        "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt",
        "--server-name",
        EPP_SERVICE,
        "--pods",
        contractPods,
      ],
      volumes: ["service-ca:/var/run/secrets/kubernetes.io/serviceaccount:ro"],
      networks: { testbed: {} },
      depends_on: ["epp-real"],
    },
    "gateway-real-epp": {
      image: IMAGE,
      profiles: ["real-epp"],
      command: ["gateway", "--config", "/etc/testbed/gateways/real-epp-gateway.yaml", "--watch"],
      ports: [published("8445:443"), published("15002:15000")],
      volumes: [
        "./deploy/compose/gateways:/etc/testbed/gateways:ro",
        "service-ca:/var/run/secrets/kubernetes.io/serviceaccount:ro",
        "ingress-certs:/etc/testbed/ingress:ro",
      ],
      networks: { testbed: { ipv4_address: "10.128.18.41" } },
      depends_on: ["epp-real"],
    },
  };
}
