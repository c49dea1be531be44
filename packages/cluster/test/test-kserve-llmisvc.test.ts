import { readFileSync } from "node:fs";
import type { KubeObject } from "@testbed/apimachinery";
import { parseSelector } from "@testbed/apimachinery";
import { SeededRandom, SimulatedClock } from "@testbed/common";
import { loadEndpointPickerConfig, PluginRegistry, parseEppArgs } from "@testbed/epp";
import jsonPatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DeploymentController } from "../src/controllers/deployment-controller.js";
import { LlmInferenceServiceController } from "../src/controllers/kserve/llmisvc-controller.js";
import { DEFAULT_PD_SCHEDULER_CONFIG, DEFAULT_SCHEDULER_CONFIG } from "../src/controllers/kserve/scheduler-configs.js";
import { presetSchedulerArgs } from "../src/controllers/kserve/scheduler-template.js";
import { ObjectStore } from "../src/store/object-store.js";

const NS = "my-first-model";
const N = "qwen3-0-6b";
const LLMISVC = "serving.kserve.io/LLMInferenceService";
const DEPLOY = "apps/Deployment";
const GATEWAY_ADDRESS = "127.0.0.10";
const AS_SHIPPED = new URL("../../../topologies/rhoai-3.2/20-llminferenceservice.yaml", import.meta.url);

function asShipped(): KubeObject {
  return parse(readFileSync(AS_SHIPPED, "utf8")) as KubeObject;
}

interface Cluster {
  store: ObjectStore;
  settle: () => Promise<void>;
  logs: string[];
}

/** A store with the namespaces and the inference Gateway (its address filled in, as the mesh would), and both controllers. */
function cluster(): Cluster {
  const clock = new SimulatedClock(Date.parse("2026-01-01T00:00:00Z"));
  const store = new ObjectStore(clock);
  for (const name of [NS, "openshift-ingress"])
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  store.create({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "openshift-ai-inference", namespace: "openshift-ingress" },
    spec: { gatewayClassName: "openshift-default", listeners: [{ name: "https", port: 443, protocol: "HTTPS" }] },
  });
  store.updateStatus("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference", {
    addresses: [{ type: "IPAddress", value: GATEWAY_ADDRESS }],
    conditions: [{ type: "Programmed", status: "True", reason: "Programmed" }],
  });
  const logs: string[] = [];
  const controllers = [new DeploymentController(), new LlmInferenceServiceController()];
  for (const controller of controllers) controller.start({ store, clock, log: (line) => logs.push(line) });
  const settle = async () => {
    let events = 0;
    const off = store.watch(() => events++);
    try {
      for (let round = 0; round < 100; round++) {
        const before = events;
        await store.settled();
        for (const controller of controllers) await controller.idle();
        await store.settled();
        if (events === before) return;
      }
      throw new Error("the controllers never settled");
    } finally {
      off();
    }
  };
  return { store, settle, logs };
}

async function withService(service: KubeObject = asShipped()): Promise<Cluster> {
  const c = cluster();
  c.store.create(service);
  await c.settle();
  return c;
}

const podsBy = (store: ObjectStore, selector: string) =>
  store.list("Pod", { namespace: NS, selector: parseSelector(selector) });
const namesOf = (objects: KubeObject[]) => objects.map((o) => o.metadata.name).sort();
const container = (spec: { containers?: { name: string }[] }, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: test reads open-ended pod specs.
  spec.containers?.find((c) => c.name === name) as any;
const initContainer = (spec: { initContainers?: { name: string }[] }, name: string) =>
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  spec.initContainers?.find((c) => c.name === name) as any;

function markAllPodsReady(store: ObjectStore): void {
  for (const pod of store.list("Pod", { namespace: NS })) {
    if (pod.status?.conditions?.length) continue;
    store.updateStatus("Pod", NS, pod.metadata.name, {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
    });
  }
}

function loadsWithOurEpp(configText: string) {
  return loadEndpointPickerConfig(configText, "--config-text", new PluginRegistry(), {
    random: new SeededRandom(1),
    now: () => 0,
  });
}

function withoutScheduler(args: string[] | undefined): KubeObject {
  const service = asShipped();
  service.spec.router.scheduler = args ? { template: { containers: [{ name: "main", args }] } } : {};
  return service;
}

describe("LLMInferenceService as shipped (topologies/rhoai-3.2)", () => {
  it("creates exactly the seed's children, with KServe's names", async () => {
    const { store } = await withService();
    const list = (key: string) => namesOf(store.list(key, { namespace: NS }));
    expect(list(DEPLOY)).toEqual([`${N}-kserve`, `${N}-kserve-prefill`, `${N}-kserve-router-scheduler`]);
    expect(list("Service")).toEqual([`${N}-epp-service`, `${N}-kserve-workload-svc`]);
    expect(list("ServiceAccount")).toEqual([`${N}-epp-sa`]);
    expect(list("inference.networking.x-k8s.io/InferencePool")).toEqual([`${N}-inference-pool`]);
    expect(list("gateway.networking.k8s.io/HTTPRoute")).toEqual([`${N}-kserve-route`]);
    expect(list("networking.istio.io/DestinationRule")).toEqual([
      `${N}-kserve-scheduler`,
      `${N}-kserve-workload`,
      `${N}-kserve-workload-svc`,
    ]);
    expect(list("monitoring.coreos.com/ServiceMonitor")).toEqual(["kserve-llm-isvc-scheduler"]);
    const owner = store.require(LLMISVC, NS, N);
    const deployment = store.require(DEPLOY, NS, `${N}-kserve`);
    expect(deployment.metadata.ownerReferences?.[0]).toMatchObject({
      kind: "LLMInferenceService",
      uid: owner.metadata.uid,
      controller: true,
    });
    expect(store.require(DEPLOY, NS, `${N}-kserve-prefill`).spec.replicas).toBe(2);
    expect(deployment.spec.replicas).toBe(2);
  });

  it("labels workload and scheduler pods as KServe does and as the seed's commands select them", async () => {
    const { store } = await withService();
    expect(namesOf(podsBy(store, `serving.kserve.io/inferenceservice=${N}`))).toHaveLength(4);
    expect(podsBy(store, "llm-d.ai/role=decode")).toHaveLength(2);
    expect(podsBy(store, "llm-d.ai/role=prefill")).toHaveLength(2);
    const [decode] = podsBy(store, "llm-d.ai/role=decode");
    expect(decode?.metadata.labels).toMatchObject({
      "app.kubernetes.io/component": "llminferenceservice-workload",
      "app.kubernetes.io/name": N,
      "app.kubernetes.io/part-of": "llminferenceservice",
      "kserve.io/component": "workload",
    });
    expect(podsBy(store, "llm-d.ai/role=prefill")[0]?.metadata.labels?.["app.kubernetes.io/component"]).toBe(
      "llminferenceservice-workload-prefill",
    );
    const scheduler = podsBy(store, `app=${N}-kserve-router-scheduler`);
    expect(scheduler).toHaveLength(1);
    expect(scheduler[0]?.metadata.labels).toMatchObject({
      "app.kubernetes.io/component": "llminferenceservice-router-scheduler",
      "app.kubernetes.io/name": N,
    });
    expect(scheduler[0]?.metadata.labels?.["kserve.io/component"]).toBeUndefined();
  });

  it("builds decode pods with the routing sidecar in front of vLLM on 8001, prefill pods with vLLM on 8000", async () => {
    const { store } = await withService();
    const decode = podsBy(store, "llm-d.ai/role=decode")[0]?.spec;
    const main = container(decode, "main");
    expect(main.image).toBe("registry.redhat.io/rhaiis/vllm-cuda-rhel9:3.2.5");
    expect(main.command).toEqual(["/bin/bash", "-c"]);
    expect(main.args).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, expanded by bash in the pod.
      'eval "vllm serve /mnt/models --served-model-name Qwen/Qwen3-0.6B --port 8001 ${VLLM_ADDITIONAL_ARGS} --enable-ssl-refresh --ssl-certfile /var/run/kserve/tls/tls.crt --ssl-keyfile /var/run/kserve/tls/tls.key"',
    ]);
    expect(main.env).toContainEqual({
      name: "VLLM_ADDITIONAL_ARGS",
      value: "--max-model-len 8192 --gpu-memory-utilization 0.9",
    });
    expect(main.env).toContainEqual({ name: "HOME", value: "/home" });
    expect(main.ports).toEqual([{ name: "https", containerPort: 8001, protocol: "TCP" }]);
    expect(main.readinessProbe.httpGet).toEqual({ path: "/health", port: 8001, scheme: "HTTPS" });
    expect(main.resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(main.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(
      expect.arrayContaining(["/var/run/kserve/tls", "/mnt/models", "/dev/shm"]),
    );
    expect(decode?.volumes).toContainEqual({
      name: "tls-certs",
      secret: { secretName: `${N}-kserve-self-signed-certs` },
    });
    const sidecar = initContainer(decode, "llm-d-routing-sidecar");
    expect(sidecar).toMatchObject({ image: "ghcr.io/llm-d/llm-d-routing-sidecar:v0.2.0", restartPolicy: "Always" });
    expect(sidecar.args).toEqual([
      "--port=8000",
      "--vllm-port=8001",
      "--connector=nixlv2",
      "--secure-proxy=true",
      "--cert-path=/var/run/kserve/tls",
      "--decoder-use-tls=true",
      "--prefiller-use-tls=true",
      "--enable-ssrf-protection=false",
    ]);
    expect(sidecar.readinessProbe.tcpSocket).toEqual({ port: 8000 });
    expect(initContainer(decode, "storage-initializer")).toMatchObject({
      image: "quay.io/modh/kserve-storage-initializer:rhoai-3.2",
      args: ["hf://Qwen/Qwen3-0.6B", "/mnt/models"],
    });
    const prefill = podsBy(store, "llm-d.ai/role=prefill")[0]?.spec;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell variable, expanded by bash in the pod.
    expect(container(prefill, "main").args[0]).toContain("--port 8000 ${VLLM_ADDITIONAL_ARGS}");
    expect(container(prefill, "main").readinessProbe.httpGet.port).toBe(8000);
    expect(initContainer(prefill, "llm-d-routing-sidecar")).toBeUndefined();
  });

  it("runs the scheduler with the CR's args verbatim: --secure-serving without --cert-path, the single-profile config", async () => {
    const { store } = await withService();
    const pod = podsBy(store, `app=${N}-kserve-router-scheduler`)[0];
    const spec = pod?.spec;
    // The seed's checks 9 and 10 read .spec.containers[0].args.
    const main = spec?.containers[0];
    expect(main.name).toBe("main");
    expect(main.image).toBe("ghcr.io/llm-d/llm-d-inference-scheduler:v0.2.0");
    expect(main.args).toContain("--secure-serving");
    expect(main.args).not.toContain("--cert-path");
    expect(main.args.filter((a: string) => a === "--config-text")).toHaveLength(1);
    const parsed = parseEppArgs(main.args);
    expect(parsed.options).toMatchObject({
      poolName: `${N}-inference-pool`,
      poolNamespace: NS,
      secureServing: true,
      grpcPort: 9002,
    });
    expect(parsed.options.certPath).toBeUndefined();
    const config = loadsWithOurEpp(parsed.options.configText as string);
    expect([...config.profiles.keys()]).toEqual(["default"]);
    expect([...config.plugins.keys()]).not.toContain("pd-profile-handler");
    expect(main.ports.map((p: { name: string; containerPort: number }) => `${p.name}:${p.containerPort}`)).toEqual([
      "grpc:9002",
      "grpc-health:9003",
      "metrics:9090",
      "zmq:5557",
    ]);
    expect(main.readinessProbe.grpc).toEqual({ port: 9003, service: "envoy.service.ext_proc.v3.ExternalProcessor" });
    expect(main.volumeMounts).toContainEqual({ name: "tls-certs", mountPath: "/var/run/kserve/tls", readOnly: true });
    expect(spec?.serviceAccountName).toBe(`${N}-epp-sa`);
  });

  it("exposes the workload and the EPP through Services that ask the service CA for one certificate", async () => {
    const { store } = await withService();
    const workload = store.require("Service", NS, `${N}-kserve-workload-svc`);
    expect(workload.spec.ports).toEqual([
      { name: "https", protocol: "TCP", appProtocol: "https", port: 8000, targetPort: 8000 },
    ]);
    expect(workload.spec.selector).toEqual({
      "app.kubernetes.io/part-of": "llminferenceservice",
      "app.kubernetes.io/name": N,
      "kserve.io/component": "workload",
    });
    const epp = store.require("Service", NS, `${N}-epp-service`);
    expect(epp.spec.ports.map((p: { name: string; port: number }) => `${p.name}:${p.port}`)).toEqual([
      "grpc:9002",
      "grpc-health:9003",
      "metrics:9090",
    ]);
    expect(epp.spec.ports[0].appProtocol).toBe("http2");
    for (const service of [workload, epp]) {
      expect(service.metadata.annotations).toEqual({
        "service.beta.openshift.io/serving-cert-secret-name": `${N}-kserve-self-signed-certs`,
      });
    }
    // The EPP Service selects exactly the scheduler pod; the workload Service prefill and decode pods.
    expect(
      namesOf(
        podsBy(
          store,
          Object.entries(epp.spec.selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        ),
      ),
    ).toHaveLength(1);
    expect(
      podsBy(
        store,
        Object.entries(workload.spec.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      ),
    ).toHaveLength(4);
  });

  it("points the InferencePool at every workload pod and the EPP, and routes the three paths as KServe does", async () => {
    const { store } = await withService();
    const pool = store.require("inference.networking.x-k8s.io/InferencePool", NS, `${N}-inference-pool`);
    expect(pool.apiVersion).toBe("inference.networking.x-k8s.io/v1alpha2");
    expect(pool.spec.selector["llm-d.ai/role"]).toBeUndefined();
    expect(
      podsBy(
        store,
        Object.entries(pool.spec.selector)
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      ),
    ).toHaveLength(4);
    expect(pool.spec.targetPortNumber).toBe(8000);
    expect(pool.spec.extensionRef).toMatchObject({
      kind: "Service",
      name: `${N}-epp-service`,
      portNumber: 9002,
      failureMode: "FailOpen",
    });

    const route = store.require("gateway.networking.k8s.io/HTTPRoute", NS, `${N}-kserve-route`);
    expect(route.spec.parentRefs).toEqual([
      {
        group: "gateway.networking.k8s.io",
        kind: "Gateway",
        name: "openshift-ai-inference",
        namespace: "openshift-ingress",
      },
    ]);
    const rules = route.spec.rules.map(
      (rule: {
        matches: { path: { type: string; value: string } }[];
        backendRefs: { kind: string; name: string; port: number }[];
        filters: { urlRewrite: { path: { type: string; replacePrefixMatch: string } } }[];
        timeouts: unknown;
      }) => ({
        match: `${rule.matches[0]?.path.type} ${rule.matches[0]?.path.value}`,
        backend: `${rule.backendRefs[0]?.kind}/${rule.backendRefs[0]?.name}:${rule.backendRefs[0]?.port}`,
        rewrite: `${rule.filters[0]?.urlRewrite.path.type} ${rule.filters[0]?.urlRewrite.path.replacePrefixMatch}`,
        timeouts: rule.timeouts,
      }),
    );
    const timeouts = { backendRequest: "0s", request: "0s" };
    expect(rules).toEqual([
      {
        match: `PathPrefix /${NS}/${N}/v1/completions`,
        backend: `InferencePool/${N}-inference-pool:8000`,
        rewrite: "ReplacePrefixMatch /v1/completions",
        timeouts,
      },
      {
        match: `PathPrefix /${NS}/${N}/v1/chat/completions`,
        backend: `InferencePool/${N}-inference-pool:8000`,
        rewrite: "ReplacePrefixMatch /v1/chat/completions",
        timeouts,
      },
      {
        match: `PathPrefix /${NS}/${N}`,
        backend: `Service/${N}-kserve-workload-svc:8000`,
        rewrite: "ReplacePrefixMatch /",
        timeouts,
      },
    ]);
  });

  it("lays spec.router.scheduler.pool.spec over the preset InferencePool (FailClose), and keeps it on reconcile", async () => {
    const service = asShipped();
    service.spec.router.scheduler.pool = { spec: { extensionRef: { failureMode: "FailClose" } } };
    const { store, settle } = await withService(service);
    const key = "inference.networking.x-k8s.io/InferencePool";
    const pool = store.require(key, NS, `${N}-inference-pool`);
    expect(pool.spec.extensionRef).toEqual({
      group: "",
      kind: "Service",
      name: `${N}-epp-service`,
      portNumber: 9002,
      failureMode: "FailClose",
    });
    // A hand edit of the child is put back to what the LLMInferenceService says.
    store.update({
      ...pool,
      spec: { ...pool.spec, extensionRef: { ...pool.spec.extensionRef, failureMode: "FailOpen" } },
    });
    await settle();
    expect(store.require(key, NS, `${N}-inference-pool`).spec.extensionRef.failureMode).toBe("FailClose");
  });

  it("writes three DestinationRules that verify the peers against the service CA (EPP, pool pods, workload Service)", async () => {
    const { store } = await withService();
    const ca = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt";
    const scheduler = store.require("networking.istio.io/DestinationRule", NS, `${N}-kserve-scheduler`);
    const eppHost = `${N}-epp-service.${NS}.svc.cluster.local`;
    // As opendatahub-io/kserve writes them: every rule names its host as sni (no auto SNI/SAN validation).
    const tls = (sni: string) => ({ mode: "SIMPLE", caCertificates: ca, insecureSkipVerify: false, sni });
    expect(scheduler.spec).toEqual({ host: eppHost, trafficPolicy: { tls: tls(eppHost) }, exportTo: ["*"] });
    const workload = store.require("networking.istio.io/DestinationRule", NS, `${N}-kserve-workload-svc`);
    const workloadHost = `${N}-kserve-workload-svc.${NS}.svc.cluster.local`;
    expect(workload.spec).toEqual({ host: workloadHost, trafficPolicy: { tls: tls(workloadHost) }, exportTo: ["*"] });
    // The pool's pods, on the shadow Service Istio makes for the pool.
    const pool = store.require("networking.istio.io/DestinationRule", NS, `${N}-kserve-workload`);
    const poolHost = `${N}-inference-pool-ip-a5e07bf3.${NS}.svc.cluster.local`;
    expect(pool.spec).toEqual({ host: poolHost, trafficPolicy: { tls: tls(poolHost) }, exportTo: ["*"] });
    const monitor = store.require("monitoring.coreos.com/ServiceMonitor", NS, "kserve-llm-isvc-scheduler");
    expect(monitor.spec.endpoints[0].port).toBe("metrics");
  });
});

describe("LLMInferenceService changes", () => {
  it("applies the seed's Bug 3 JSON patch verbatim and rolls only the scheduler pod", async () => {
    const { store, settle } = await withService();
    markAllPodsReady(store);
    await settle();
    const before = namesOf(store.list("Pod", { namespace: NS }));
    const generations = (name: string) => store.require(DEPLOY, NS, name).metadata.generation;
    const [decodeGen, prefillGen, schedulerGen] = [
      `${N}-kserve`,
      `${N}-kserve-prefill`,
      `${N}-kserve-router-scheduler`,
    ].map(generations);

    const patch: jsonPatch.Operation[] = [
      { op: "add", path: "/spec/router/scheduler/template/containers/0/args/-", value: "--secure-serving" },
      { op: "add", path: "/spec/router/scheduler/template/containers/0/args/-", value: "--cert-path" },
      { op: "add", path: "/spec/router/scheduler/template/containers/0/args/-", value: "/var/run/kserve/tls" },
    ];
    const current = store.require(LLMISVC, NS, N);
    const patched = jsonPatch.applyPatch(current, patch, true, false).newDocument;
    store.update(patched);
    await settle();

    expect(generations(`${N}-kserve`)).toBe(decodeGen);
    expect(generations(`${N}-kserve-prefill`)).toBe(prefillGen);
    expect(generations(`${N}-kserve-router-scheduler`)).toBe((schedulerGen ?? 0) + 1);
    const schedulers = podsBy(store, `app=${N}-kserve-router-scheduler`);
    expect(schedulers).toHaveLength(2); // the new pod surges; the old one stays until the new one is Ready
    const fresh = schedulers.find((pod) => !before.includes(pod.metadata.name));
    const args: string[] = fresh?.spec.containers[0].args;
    expect(args.slice(-3)).toEqual(["--secure-serving", "--cert-path", "/var/run/kserve/tls"]);
    expect(parseEppArgs(args).options).toMatchObject({ certPath: "/var/run/kserve/tls", secureServing: true });

    markAllPodsReady(store);
    await settle();
    const after = namesOf(store.list("Pod", { namespace: NS }));
    expect(after.filter((name) => !before.includes(name))).toEqual([fresh?.metadata.name]);
    expect(before.filter((name) => !after.includes(name))).toHaveLength(1);
    expect(
      podsBy(store, `serving.kserve.io/inferenceservice=${N}`).every((pod) => before.includes(pod.metadata.name)),
    ).toBe(true);
  });

  it("rolls only the decode pods when the decode VLLM_ADDITIONAL_ARGS change", async () => {
    const { store, settle } = await withService();
    const prefillBefore = namesOf(podsBy(store, "llm-d.ai/role=prefill"));
    const schedulerBefore = namesOf(podsBy(store, `app=${N}-kserve-router-scheduler`));
    const service = store.require(LLMISVC, NS, N);
    service.spec.template.containers[0].env[0].value = "--max-model-len 8192 --enable-prefix-caching --block-size=16";
    store.update(service);
    await settle();
    expect(namesOf(podsBy(store, "llm-d.ai/role=prefill"))).toEqual(prefillBefore);
    expect(namesOf(podsBy(store, `app=${N}-kserve-router-scheduler`))).toEqual(schedulerBefore);
    const template = store.require(DEPLOY, NS, `${N}-kserve`).spec.template.spec;
    expect(container(template, "main").env).toContainEqual({
      name: "VLLM_ADDITIONAL_ARGS",
      value: "--max-model-len 8192 --enable-prefix-caching --block-size=16",
    });
  });

  it("appends the default P/D --config-text when the scheduler args name no config", async () => {
    const { store } = await withService(withoutScheduler(undefined));
    const args: string[] = store.require(DEPLOY, NS, `${N}-kserve-router-scheduler`).spec.template.spec.containers[0]
      .args;
    expect(args).toEqual([...presetSchedulerArgs(N, NS), "--config-text", DEFAULT_PD_SCHEDULER_CONFIG]);
    expect(args).toContain("--cert-path");
    const config = loadsWithOurEpp(DEFAULT_PD_SCHEDULER_CONFIG);
    expect([...config.profiles.keys()].sort()).toEqual(["decode", "prefill"]);
  });

  it("appends the single-profile config without spec.prefill, and then runs one `both` workload without the sidecar", async () => {
    const service = withoutScheduler(["--pool-name", `${N}-inference-pool`, "--secure-serving"]);
    delete service.spec.prefill;
    const { store } = await withService(service);
    const args: string[] = store.require(DEPLOY, NS, `${N}-kserve-router-scheduler`).spec.template.spec.containers[0]
      .args;
    expect(args).toEqual([
      "--pool-name",
      `${N}-inference-pool`,
      "--secure-serving",
      "--config-text",
      DEFAULT_SCHEDULER_CONFIG,
    ]);
    expect([...loadsWithOurEpp(DEFAULT_SCHEDULER_CONFIG).profiles.keys()]).toEqual(["default"]);
    expect(store.get(DEPLOY, NS, `${N}-kserve-prefill`)).toBeUndefined();
    const pods = podsBy(store, `serving.kserve.io/inferenceservice=${N}`);
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata.labels?.["llm-d.ai/role"]).toBe("both");
      expect(initContainer(pod.spec, "llm-d-routing-sidecar")).toBeUndefined();
      expect(container(pod.spec, "main").args[0]).toContain("--port 8000 ");
    }
  });

  it("leaves a user's --config-file alone", async () => {
    const { store } = await withService(withoutScheduler(["--config-file=/etc/epp/config.yaml"]));
    const args = store.require(DEPLOY, NS, `${N}-kserve-router-scheduler`).spec.template.spec.containers[0].args;
    expect(args).toEqual(["--config-file=/etc/epp/config.yaml"]);
  });

  it("deletes the prefill Deployment when spec.prefill is removed", async () => {
    const { store, settle } = await withService();
    const service = store.require(LLMISVC, NS, N);
    delete service.spec.prefill;
    store.update(service);
    await settle();
    expect(store.get(DEPLOY, NS, `${N}-kserve-prefill`)).toBeUndefined();
    expect(store.require(DEPLOY, NS, `${N}-kserve`).spec.template.metadata.labels["llm-d.ai/role"]).toBe("both");
    expect(podsBy(store, "llm-d.ai/role=prefill")).toHaveLength(0);
  });

  it("recreates a child someone deletes", async () => {
    const { store, settle } = await withService();
    const uid = store.require("Service", NS, `${N}-epp-service`).metadata.uid;
    store.delete("Service", NS, `${N}-epp-service`);
    store.delete("networking.istio.io/DestinationRule", NS, `${N}-kserve-scheduler`);
    await settle();
    expect(store.require("Service", NS, `${N}-epp-service`).metadata.uid).not.toBe(uid);
    expect(store.get("networking.istio.io/DestinationRule", NS, `${N}-kserve-scheduler`)).toBeDefined();
  });

  it("deletes every child and pod with the LLMInferenceService", async () => {
    const { store, settle } = await withService();
    store.delete(LLMISVC, NS, N);
    await settle();
    const left = store.all().filter((o) => o.metadata.namespace === NS);
    expect(left).toEqual([]);
  });
});

describe("LLMInferenceService status", () => {
  it("reports the gateway URL and becomes Ready as its workloads, route and pool become ready", async () => {
    const { store, settle } = await withService();
    let status = store.require(LLMISVC, NS, N).status;
    expect(status.url).toBe(`https://${GATEWAY_ADDRESS}/${NS}/${N}`);
    expect(status.addresses).toEqual([{ name: "gateway-external", url: `https://${GATEWAY_ADDRESS}/${NS}/${N}` }]);
    const ready = () =>
      store.require(LLMISVC, NS, N).status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready()).toMatchObject({ status: "False", reason: "MinimumReplicasUnavailable" });

    markAllPodsReady(store);
    await settle();
    expect(ready()).toMatchObject({ status: "False", reason: "InferencePoolNotReady" });
    // The mesh accepts the pool and the route (here written by hand).
    const accepted = {
      conditions: [
        { type: "Accepted", status: "True" },
        { type: "ResolvedRefs", status: "True" },
      ],
    };
    const parentRef = {
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name: "openshift-ai-inference",
      namespace: "openshift-ingress",
    };
    store.updateStatus("inference.networking.x-k8s.io/InferencePool", NS, `${N}-inference-pool`, {
      parent: [{ parentRef, ...accepted }],
    });
    store.updateStatus("gateway.networking.k8s.io/HTTPRoute", NS, `${N}-kserve-route`, {
      parents: [{ parentRef, controllerName: "openshift.io/gateway-controller/v1", ...accepted }],
    });
    await settle();
    status = store.require(LLMISVC, NS, N).status;
    const types = status.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`);
    expect(types).toEqual([
      "GatewaysReady=True",
      "HTTPRoutesReady=True",
      "InferencePoolReady=True",
      "MainWorkloadReady=True",
      "PrefillWorkloadReady=True",
      "PresetsCombined=True",
      "Ready=True",
      "RouterReady=True",
      "SchedulerWorkloadReady=True",
      "WorkloadsReady=True",
    ]);
    expect(status.observedGeneration).toBe(1);
  });

  it("follows the gateway's address when the mesh fills it in later", async () => {
    const { store, settle } = await withService();
    store.updateStatus("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference", {
      addresses: [{ type: "IPAddress", value: "127.0.0.77" }],
      conditions: [{ type: "Programmed", status: "True" }],
    });
    await settle();
    expect(store.require(LLMISVC, NS, N).status.url).toBe(`https://127.0.0.77/${NS}/${N}`);
  });

  it("reports an invalid spec as Ready=False with a reason instead of failing", async () => {
    const service = asShipped();
    service.spec.model.uri = "Qwen3-0.6B";
    const { store, logs } = await withService(service);
    const ready = store.require(LLMISVC, NS, N).status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready).toMatchObject({
      status: "False",
      reason: "InvalidSpec",
      message: 'spec.model.uri: Invalid value: "Qwen3-0.6B": must be a URI such as hf://org/model',
    });
    expect(store.list(DEPLOY, { namespace: NS })).toHaveLength(0);
    expect(logs.some((line) => line.includes("invalid spec"))).toBe(true);
    expect(logs.some((line) => line.includes("failed"))).toBe(false);
  });

  it("reports a child the API refuses as Ready=False and keeps the others", async () => {
    const service = asShipped();
    // A user container without an image: the merged Deployment fails the API's validation.
    service.spec.template.containers.push({ name: "debug", args: ["sleep"] });
    const { store, logs } = await withService(service);
    const ready = store.require(LLMISVC, NS, N).status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "ReconcileError" });
    expect(ready.message).toContain("spec.template.spec.containers[1].image");
    expect(store.get(DEPLOY, NS, `${N}-kserve`)).toBeUndefined();
    expect(store.get(DEPLOY, NS, `${N}-kserve-prefill`)).toBeDefined();
    expect(logs.some((line) => line.includes("failed"))).toBe(false);
  });
});
