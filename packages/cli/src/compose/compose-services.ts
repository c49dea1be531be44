// One compose service per pod of the embedded testbed, running the same program with the same
// arguments the kubelet would give it (`testbed <component> …`), at the pod's compose address.
// Volumes carry what the pod mounts: the serving certificate at /var/run/kserve/tls, the service
// CA where service accounts find it, the gateways' configs and listener certificates.
import type { KubeObject } from "@testbed/apimachinery";
import { containerArgv, containerEnv, repositoryName as repositoryOf } from "@testbed/cluster";
import { composeAddress } from "./compose-addresses.js";

export type ComposeService = Record<string, unknown>;

export const IMAGE = "llm-d-testbed:local";
const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The host address compose publishes ports on; `TESTBED_PUBLISH_ADDRESS=0.0.0.0` opens them to the network. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable syntax, interpolated by compose
export const PUBLISH_ADDRESS = "${TESTBED_PUBLISH_ADDRESS:-127.0.0.1}";

/**
 * A published port bound to loopback unless the user says otherwise: the gateways' admin ports
 * (15000–15002) answer /config_dump and /quitquitquit without credentials, as Envoy's do.
 */
export function published(mapping: string): string {
  return `${PUBLISH_ADDRESS}:${mapping}`;
}

const GATEWAY_PORTS: Record<string, string[]> = {
  "openshift-ai-inference": [published("8443:443"), published("15000:15000")],
  "maas-gateway": [published("8444:443"), published("15001:15000")],
};

interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
}

/** The Deployment a pod belongs to: its ReplicaSet's name without the `-<pod-template-hash>`. */
export function deploymentOf(pod: KubeObject): string | undefined {
  const replicaSet = pod.metadata.ownerReferences?.find((ref) => ref.kind === "ReplicaSet")?.name;
  const hash = pod.metadata.labels?.["pod-template-hash"];
  return replicaSet && hash && replicaSet.endsWith(`-${hash}`) ? replicaSet.slice(0, -hash.length - 1) : replicaSet;
}

export function serviceName(pod: KubeObject, index: number): string {
  const owner = deploymentOf(pod) ?? pod.metadata.name;
  const gateway = pod.metadata.labels?.["gateway.networking.k8s.io/gateway-name"];
  if (gateway) return gateway;
  if (owner.endsWith("-router-scheduler") || owner === "authorino" || owner === "limitador-limitador") {
    return owner === "limitador-limitador" ? "limitador" : owner;
  }
  return `${owner}-${index}`;
}

const containers = (pod: KubeObject) => (pod.spec?.containers ?? []) as ContainerSpec[];
const initContainers = (pod: KubeObject) => (pod.spec?.initContainers ?? []) as ContainerSpec[];

function base(pod: KubeObject, command: string[]): ComposeService {
  return {
    image: IMAGE,
    command,
    networks: { testbed: { ipv4_address: composeAddress(pod.status?.podIP as string) } },
    depends_on: { certs: { condition: "service_completed_successfully" } },
  };
}

/** vLLM (+ the routing sidecar in decode pods), from the pod's own `vllm serve` command line. */
export function vllmService(pod: KubeObject): ComposeService {
  const main = containers(pod).find((c) => repositoryOf(c.image).includes("vllm")) as ContainerSpec;
  const env = containerEnv(main.env);
  const extra = env.VLLM_ADDITIONAL_ARGS ?? "";
  const argv = containerArgv(main.command, main.args, { ...env, VLLM_ADDITIONAL_ARGS: "" });
  const flags = argv.slice(argv[1] === "serve" ? 3 : 1);
  const model = modelId(pod);
  const sidecar = initContainers(pod).find((c) => repositoryOf(c.image).includes("routing-sidecar"));
  const sidecarPort = sidecar?.args?.find((a) => a.startsWith("--port="))?.split("=")[1];
  const role = pod.metadata.labels?.["llm-d.ai/role"] ?? "both";
  const command = [
    "vllm-sim",
    model,
    ...flags,
    "--host",
    "0.0.0.0",
    "--role",
    role,
    ...(sidecarPort ? ["--sidecar-port", sidecarPort, "--prefiller-use-tls"] : []),
    "--time-scale",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: compose's own variable substitution, default real T4 timing.
    "${TIME_SCALE:-1}",
  ];
  return {
    ...base(pod, command),
    environment: { VLLM_ADDITIONAL_ARGS: extra },
    volumes: ["serving-certs:/var/run/kserve/tls:ro"],
    healthcheck: healthcheck("https", 8000, "/health"),
  };
}

/** The scheduler, with the pod's args; its pool comes from an endpoints file (llm-d's file discovery). */
export function schedulerService(pod: KubeObject): ComposeService {
  const main = containers(pod)[0] as ContainerSpec;
  const args = containerArgv(main.command, main.args, containerEnv(main.env));
  return {
    ...base(pod, ["epp", ...args, "--endpoints-file", "/etc/testbed/epp/endpoints.yaml", "--host", "0.0.0.0"]),
    volumes: ["./deploy/compose/epp:/etc/testbed/epp:ro", "serving-certs:/var/run/kserve/tls:ro"],
    healthcheck: healthcheck("http", 9090, "/metrics"),
  };
}

export function gatewayService(pod: KubeObject, name: string, envoyVersion: string): ComposeService {
  return {
    ...base(pod, ["gateway", "--config", `/etc/testbed/gateways/${name}.yaml`, "--envoy", envoyVersion, "--watch"]),
    ports: GATEWAY_PORTS[name] ?? [],
    volumes: [
      "./deploy/compose/gateways:/etc/testbed/gateways:ro",
      `service-ca:${SERVICE_ACCOUNT_DIR}:ro`,
      "ingress-certs:/etc/testbed/ingress:ro",
    ],
    healthcheck: healthcheck("http", 15000, "/ready"),
  };
}

export function authorinoService(pod: KubeObject): ComposeService {
  return {
    ...base(pod, [
      "authorino",
      "--config",
      "/etc/testbed/kuadrant/authorino.yaml",
      "--host",
      "0.0.0.0",
      "--port",
      "50051",
    ]),
    volumes: ["./deploy/compose/kuadrant:/etc/testbed/kuadrant:ro"],
    healthcheck: tcpHealthcheck(50051),
  };
}

export function limitadorService(pod: KubeObject): ComposeService {
  return {
    ...base(pod, [
      "limitador",
      "--limits",
      "/etc/testbed/kuadrant/limits.yaml",
      "--host",
      "0.0.0.0",
      "--port",
      "8081",
      "--rate-limit-headers",
      "DRAFT_VERSION_03",
    ]),
    volumes: ["./deploy/compose/kuadrant:/etc/testbed/kuadrant:ro"],
    healthcheck: tcpHealthcheck(8081),
  };
}

/** The storage initializer's URI names the model (`hf://Qwen/Qwen3-0.6B`). */
function modelId(pod: KubeObject): string {
  const init = initContainers(pod).find((c) => repositoryOf(c.image).includes("storage-initializer"));
  const uri = init?.args?.[0] ?? "hf://Qwen/Qwen3-0.6B";
  return uri.replace(/^[a-z0-9]+:\/\//, "");
}

/** The image has Node but no curl: probe with a one-line Node script. */
function healthcheck(scheme: "http" | "https", port: number, path: string): Record<string, unknown> {
  const script = `require('${scheme}').get({host:'127.0.0.1',port:${port},path:'${path}',rejectUnauthorized:false},r=>process.exit(r.statusCode<400?0:1)).on('error',()=>process.exit(1))`;
  return { test: ["CMD", "node", "-e", script], interval: "5s", timeout: "3s", retries: 12, start_period: "10s" };
}

/** gRPC services: a TCP connect is the check (the kubelet's tcpSocket probe in the topology). */
function tcpHealthcheck(port: number): Record<string, unknown> {
  const script = `require('net').connect(${port},'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))`;
  return { test: ["CMD", "node", "-e", script], interval: "5s", timeout: "3s", retries: 12, start_period: "10s" };
}
