import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyManifests,
  applyPatch,
  isPodReady,
  type KubeObject,
  loadManifests,
  matchesSelector,
  selectorFromObject,
} from "@testbed/apimachinery";
import {
  envoyVersionOf,
  type IstioVersion,
  type ObjectStore,
  SERVING_CERT_ANNOTATION,
  startTestbed,
  storeTarget,
  type TestbedHandle,
} from "@testbed/cluster";
import { silentSink } from "@testbed/common";
import { settle } from "@testbed/scenario";
import { parse, stringify } from "yaml";
import { renderPrometheusConfig } from "../observability/prometheus-config.js";
import { scrapeTargets } from "../observability/scrape-targets.js";
import { COMPOSE_SUBNET, composeAddress, rewriteAddresses } from "./compose-addresses.js";
import {
  authorinoService,
  type ComposeService,
  deploymentOf,
  gatewayService,
  IMAGE,
  limitadorService,
  schedulerService,
  serviceName,
  vllmService,
} from "./compose-services.js";
import { composeGatewayConfig } from "./gateway-config.js";
import { observabilityServices, realEppGatewayConfig, realEppServices } from "./profiles.js";

/** The seed's fixes in order, as `--fixes N` applies the first N. */
interface Fix {
  apply?: string;
  patch?: { type: "json" | "merge"; file: string };
}

const FIXES: readonly Fix[] = [
  { apply: "manifests/07-envoyfilter-fix-extproc-body-route.yaml" },
  { apply: "manifests/08-envoyfilter-fix-extproc-body.yaml" },
  { patch: { type: "json", file: "manifests/09-scheduler-tls-patch.json" } },
  { patch: { type: "merge", file: "manifests/11-pd-config-patch.yaml" } },
];
const GATEWAYS = ["openshift-ai-inference", "maas-gateway"];
const LLMISVC = { key: "serving.kserve.io/LLMInferenceService", namespace: "my-first-model", name: "qwen3-0-6b" };

export interface RenderOptions {
  /** Repository root: topology, manifests and output paths are relative to it. */
  root: string;
  topology: string;
  /** The Istio release the embedded mesh translates as; the gateway containers run its Envoy. */
  istio: IstioVersion;
  /** Apply the seed's first N fixes (0–4) before rendering. */
  fixes: number;
  /** More manifests to apply (e.g. manifests/10-…-maas.yaml, manifests/20-maas-api-keys.yaml). */
  apply: string[];
  /** Third octet for the embedded run (its pods' addresses are mapped to 10.x.18.y). */
  subnet: number;
}

/**
 * `testbed render compose`: run the topology embedded, apply the fixes asked for, and write what
 * docker compose needs to run the same cluster as containers — the compose file, every gateway's
 * Envoy config as the mesh controller generated it, the EPP's pool, Authorino's and Limitador's
 * configs. Same controllers, same configs: what compose runs is what the embedded testbed runs.
 * Returns file path (relative to the root) → content.
 */
export async function renderCompose(options: RenderOptions): Promise<Map<string, string>> {
  const testbed = await startTestbed({
    topology: join(options.root, options.topology),
    istio: options.istio,
    apiPort: 0,
    timeScale: 0,
    subnet: options.subnet,
    probePeriodMs: 100,
    log: silentSink,
  });
  try {
    await testbed.waitUntilReady(30_000);
    await applyFixes(testbed, options);
    return renderFiles(testbed, options);
  } finally {
    await testbed.close();
  }
}

async function applyFixes(testbed: TestbedHandle, options: RenderOptions): Promise<void> {
  const steps: Fix[] = [...FIXES.slice(0, options.fixes), ...options.apply.map((apply) => ({ apply }))];
  for (const step of steps) {
    if (step.apply)
      await applyManifests(storeTarget(testbed.store), await loadManifests(join(options.root, step.apply)));
    if (step.patch)
      patchService(testbed.store, step.patch.type, readFileSync(join(options.root, step.patch.file), "utf8"));
    const notReady = await settle(testbed);
    if (notReady) throw new Error(`after ${step.apply ?? step.patch?.file}: ${notReady}`);
  }
}

function patchService(store: ObjectStore, type: "json" | "merge", text: string): void {
  const current = store.require(LLMISVC.key, LLMISVC.namespace, LLMISVC.name);
  // A merge patch file may be YAML, as `oc patch -p` accepts.
  const patch = type === "json" ? JSON.parse(text) : (parse(text) as Record<string, unknown>);
  store.update(applyPatch(current, patch, type) as KubeObject);
}

function renderFiles(testbed: TestbedHandle, options: RenderOptions): Map<string, string> {
  const store = testbed.store;
  const files = new Map<string, string>();
  const services: Record<string, ComposeService> = { certs: certsService(store) };
  const byDeployment = new Map<string, number>();
  for (const pod of store.list("Pod").filter((p) => isPodReady(p))) {
    const owner = deploymentOf(pod) ?? "";
    const index = byDeployment.get(owner) ?? 0;
    byDeployment.set(owner, index + 1);
    const service = serviceFor(pod, envoyVersionOf(options.istio));
    if (service) services[serviceName(pod, index)] = service;
  }
  for (const gateway of GATEWAYS) {
    const config = testbed.hub.current(`openshift-ingress/${gateway}`);
    if (!config) continue;
    const secrets = certificateSecrets(store, gateway);
    const rendered = composeGatewayConfig(config, secrets);
    files.set(`deploy/compose/gateways/${gateway}.yaml`, header("gateway") + stringify(rendered));
    if (gateway === "openshift-ai-inference") {
      files.set(
        "deploy/compose/gateways/real-epp-gateway.yaml",
        header("real-epp gateway") + stringify(realEppGatewayConfig(rendered)),
      );
    }
  }
  files.set("deploy/compose/epp/real-epp-config.yaml", header("real EPP") + schedulerConfigText(store));
  files.set("deploy/compose/epp/endpoints.yaml", header("epp") + stringify(eppEndpoints(store)));
  files.set("deploy/compose/kuadrant/authorino.yaml", header("kuadrant") + authorinoConfig(store));
  const limits = store.get("ConfigMap", "kuadrant-system", "limits-config-limitador")?.data as
    | Record<string, string>
    | undefined;
  files.set("deploy/compose/kuadrant/limits.yaml", header("kuadrant") + (limits?.["limitador-config.yaml"] ?? "[]\n"));
  files.set("deploy/observability/prometheus-compose.yml", prometheusConfig(store, services));
  Object.assign(services, observabilityServices(), realEppServices(store));
  const compose = {
    services,
    networks: { testbed: { ipam: { config: [{ subnet: COMPOSE_SUBNET }] } } },
    volumes: { "service-ca": {}, "serving-certs": {}, "ingress-certs": {}, "prometheus-data": {} },
  };
  files.set("docker-compose.yml", composeHeader(options) + stringify(compose, { lineWidth: 0 }));
  return files;
}

function serviceFor(pod: KubeObject, envoyVersion: string): ComposeService | undefined {
  const images = ((pod.spec?.containers ?? []) as Array<{ image: string }>).map((c) => c.image).join(" ");
  const gateway = pod.metadata.labels?.["gateway.networking.k8s.io/gateway-name"];
  if (gateway) return GATEWAYS.includes(gateway) ? gatewayService(pod, gateway, envoyVersion) : undefined;
  if (images.includes("inference-scheduler")) return schedulerService(pod);
  if (images.includes("vllm")) return vllmService(pod);
  if (images.includes("authorino")) return authorinoService(pod);
  if (images.includes("limitador")) return limitadorService(pod);
  return undefined;
}

/** The pool as the EPP's file discovery reads it: the InferencePool's Ready pods at their compose addresses. */
function eppEndpoints(store: ObjectStore): Record<string, unknown> {
  const pool = store.get(
    "inference.networking.x-k8s.io/InferencePool",
    LLMISVC.namespace,
    `${LLMISVC.name}-inference-pool`,
  );
  const selector = selectorFromObject(pool?.spec?.selector);
  const pods = store
    .list("Pod", { namespace: LLMISVC.namespace })
    .filter((pod) => selector.length > 0 && matchesSelector(selector, pod.metadata.labels) && isPodReady(pod));
  return {
    endpoints: pods.map((pod) => ({
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      address: composeAddress(pod.status?.podIP as string),
      port: String(pool?.spec?.targetPortNumber ?? 8000),
      labels: { "llm-d.ai/role": pod.metadata.labels?.["llm-d.ai/role"] ?? "both" },
    })),
  };
}

/** Authorino's config: the AuthConfigs the Kuadrant controller made, and the API-key Secrets it would read. */
function authorinoConfig(store: ObjectStore): string {
  const authConfigs = store.list("authorino.kuadrant.io/AuthConfig").map(stripServerFields);
  const secrets = store
    .list("Secret")
    .filter((secret) => secret.metadata.labels?.["authorino.kuadrant.io/managed-by"] === "authorino")
    .map(stripServerFields);
  const documents = [...authConfigs, ...secrets];
  return documents.length === 0 ? "[]\n" : documents.map((d) => stringify(rewriteAddresses(d))).join("---\n");
}

function stripServerFields(object: KubeObject): Record<string, unknown> {
  const {
    uid: _u,
    resourceVersion: _r,
    generation: _g,
    creationTimestamp: _c,
    ownerReferences: _o,
    ...metadata
  } = object.metadata;
  const { status: _s, ...rest } = object;
  return { ...rest, metadata };
}

/**
 * Prometheus for the observability profile: the scrape config `testbed up --prometheus` generates, with
 * compose addresses, and each target's `pod` label set to its compose service.
 */
function prometheusConfig(store: ObjectStore, services: Record<string, ComposeService>): string {
  const serviceAt = new Map(
    Object.entries(services).map(([name, service]) => [
      (service.networks as { testbed?: { ipv4_address?: string } } | undefined)?.testbed?.ipv4_address,
      name,
    ]),
  );
  const pods = store
    .list("Pod")
    .filter((pod) => isPodReady(pod) && pod.status?.podIP)
    .map((pod) => ({ ...pod, status: { ...pod.status, podIP: composeAddress(pod.status?.podIP as string) } }));
  const targets = scrapeTargets(pods as never).map((target) => {
    const name = serviceAt.get(target.address.split(":")[0]);
    return name ? { ...target, labels: { ...target.labels, pod: name } } : target;
  });
  return renderPrometheusConfig(targets, {
    header: [
      "Prometheus for `docker compose --profile observability up`, rendered by `npx testbed render compose`: the",
      "same jobs and target labels as `testbed up --prometheus`, at compose addresses; pod = the compose service.",
    ].join("\n"),
  });
}

/**
 * The real EPP's --config-file: the scheduler's own EndpointPickerConfig (its --config-text) plus
 * llm-d's file-discovery plugin reading the same endpoints file, as its no-Kubernetes mode wants.
 */
function schedulerConfigText(store: ObjectStore): string {
  const scheduler = store
    .list("Pod", { namespace: LLMISVC.namespace })
    .find((pod) => pod.metadata.labels?.app === `${LLMISVC.name}-kserve-router-scheduler`);
  const args = (scheduler?.spec?.containers?.[0]?.args ?? []) as string[];
  const index = args.indexOf("--config-text");
  const config = (parse(index >= 0 ? (args[index + 1] ?? "") : "") ?? {}) as { plugins?: unknown[] };
  const discovery = {
    type: "file-discovery",
    name: "file-discovery",
    parameters: { path: "/etc/testbed/epp/endpoints.yaml", watchFile: true },
  };
  return stringify({
    ...config,
    plugins: [discovery, ...(config.plugins ?? [])],
    dataLayer: { discovery: { pluginRef: "file-discovery" } },
  });
}

function certificateSecrets(store: ObjectStore, gateway: string): string[] {
  const object = store.get("gateway.networking.k8s.io/Gateway", "openshift-ingress", gateway);
  return ((object?.spec?.listeners ?? []) as Array<{ tls?: { certificateRefs?: Array<{ name: string }> } }>).flatMap(
    (listener) => (listener.tls?.certificateRefs ?? []).map((ref) => ref.name),
  );
}

/** The one-shot service that writes the certificates every other service mounts. */
function certsService(store: ObjectStore): ComposeService {
  const services = store
    .list("Service")
    .filter((service) => service.metadata.annotations?.[SERVING_CERT_ANNOTATION])
    .map((service) => `${service.metadata.name}.${service.metadata.namespace}`);
  const ingress = GATEWAYS.flatMap((gateway) => certificateSecrets(store, gateway));
  return {
    image: IMAGE,
    build: ".",
    command: [
      "certs",
      "--out",
      "/out",
      ...services.flatMap((s) => ["--service", s]),
      ...ingress.flatMap((i) => ["--ingress", i]),
    ],
    volumes: ["service-ca:/out", "serving-certs:/out/serving", "ingress-certs:/out/ingress"],
  };
}

function header(what: string): string {
  return `# Rendered by \`npx testbed render compose\` from the embedded testbed (${what}); re-render rather than edit.\n`;
}

function composeHeader(options: RenderOptions): string {
  return [
    "# The testbed as containers: one service per pod of the rhoai-3.2 topology, on static addresses that mirror",
    "# the embedded pods (127.129.18.21 there is 10.129.18.21 here). Rendered by `npx testbed render compose`",
    `# (fixes applied: ${options.fixes}${options.apply.length ? `, plus ${options.apply.join(", ")}` : ""}); re-render rather than edit.`,
    "#   docker compose build && docker compose up -d        the cluster as shipped (all four bugs)",
    "#   docker compose --profile observability up -d         + Prometheus (:9090) and Grafana (:3000)",
    "#   docker compose --profile real-epp up -d              + the real llm-d EPP behind its own gateway (:8445)",
    "",
  ].join("\n");
}
