import type { KubeObject } from "@testbed/apimachinery";
import { type ApiServerHandle, ObjectStore, type PodAccess, startApiServer } from "@testbed/cluster";
/** A real API server on 127.0.0.1:0 over an ObjectStore with the seed's objects, and an oc runner capturing output. */
import { SimulatedClock } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOc } from "../src/index.js";

export const START = Date.parse("2026-01-01T00:00:00Z");
/** Every `oc` run sees the objects as 5 minutes old. */
export const NOW = START + 5 * 60 * 1000;

export interface OcRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface OcFixture {
  store: ObjectStore;
  server: ApiServerHandle;
  oc(...argv: string[]): Promise<OcRun>;
  ocWithStdin(stdin: string, ...argv: string[]): Promise<OcRun>;
}

export async function startOcFixture(podAccess?: PodAccess): Promise<OcFixture> {
  const store = new ObjectStore(new SimulatedClock(START));
  seed(store);
  const server = await startApiServer({ store, host: "127.0.0.1", port: 0, ...(podAccess ? { podAccess } : {}) });
  const run = async (stdin: string, argv: string[]): Promise<OcRun> => {
    let stdout = "";
    let stderr = "";
    const code = await runOc(argv, {
      out: (text) => {
        stdout += text;
      },
      err: (text) => {
        stderr += text;
      },
      readStdin: async () => stdin,
      env: { TESTBED_SERVER: server.url, TESTBED_HOME: "/nonexistent-testbed-home" },
      now: () => NOW,
    });
    return { code, stdout, stderr };
  };
  return { store, server, oc: (...argv) => run("", argv), ocWithStdin: (stdin, ...argv) => run(stdin, argv) };
}

const NS = "my-first-model";

function pod(name: string, labels: Record<string, string>, extra: Partial<KubeObject> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NS, labels },
    spec: { containers: [{ name: "main", image: "vllm", args: ["--port", "8001"] }] },
    ...extra,
  };
}

function seed(store: ObjectStore): void {
  for (const name of [NS, "openshift-ingress"])
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  const workload = { "app.kubernetes.io/name": "qwen3-0-6b", "serving.kserve.io/inferenceservice": "qwen3-0-6b" };
  store.create(
    pod("qwen3-0-6b-kserve-7d9f-abcde", workload, {
      spec: {
        containers: [
          {
            name: "main",
            image: "vllm",
            env: [{ name: "VLLM_ADDITIONAL_ARGS", value: "--enable-prefix-caching --block-size=16" }],
          },
        ],
        initContainers: [{ name: "llm-d-routing-sidecar", image: "sidecar", restartPolicy: "Always" }],
      },
    }),
  );
  store.updateStatus("Pod", NS, "qwen3-0-6b-kserve-7d9f-abcde", {
    phase: "Running",
    podIP: "127.129.18.21",
    conditions: [{ type: "Ready", status: "True" }],
    containerStatuses: [{ name: "main", ready: true, restartCount: 0, state: { running: {} } }],
    initContainerStatuses: [{ name: "llm-d-routing-sidecar", ready: true, started: true, state: { running: {} } }],
  });
  store.create(pod("qwen3-0-6b-kserve-prefill-55c-fghij", { ...workload, "llm-d.ai/role": "prefill" }));
  store.updateStatus("Pod", NS, "qwen3-0-6b-kserve-prefill-55c-fghij", {
    phase: "Running",
    containerStatuses: [
      {
        name: "main",
        ready: false,
        restartCount: 3,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { finishedAt: "2026-01-01T00:04:00Z", exitCode: 1 } },
      },
    ],
  });
  const schedulerArgs = ["--pool-name", "qwen3-0-6b-inference-pool", "--secure-serving", "--config-text", "a: <b>"];
  store.create(
    pod(
      "qwen3-0-6b-kserve-router-scheduler-6b7-klmno",
      { app: "qwen3-0-6b-kserve-router-scheduler" },
      { spec: { containers: [{ name: "main", image: "epp", args: schedulerArgs }] } },
    ),
  );
  store.create({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "qwen3-0-6b-kserve-router-scheduler", namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "qwen3-0-6b-kserve-router-scheduler" } },
      template: {
        metadata: { labels: { app: "qwen3-0-6b-kserve-router-scheduler" } },
        spec: { containers: [{ name: "main", image: "epp" }] },
      },
    },
  });
  store.updateStatus("apps/Deployment", NS, "qwen3-0-6b-kserve-router-scheduler", {
    readyReplicas: 1,
    updatedReplicas: 1,
    availableReplicas: 1,
  });
  const service = (name: string, ports: number[], clusterIP: string) =>
    store.create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: NS },
      spec: { clusterIP, ports: ports.map((port) => ({ name: `p${port}`, port, protocol: "TCP" })) },
    });
  service("qwen3-0-6b-kserve-workload-svc", [8000], "172.30.156.35");
  service("qwen3-0-6b-epp-service", [9002, 9003, 9090], "172.30.187.192");
  service("qwen3-0-6b-inference-pool-ip-a5e07bf3", [54321], "None");
  store.create({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "openshift-ai-inference", namespace: "openshift-ingress" },
    spec: { gatewayClassName: "openshift-default", listeners: [{ name: "https", port: 443, protocol: "HTTPS" }] },
  });
  store.updateStatus("gateway.networking.k8s.io/Gateway", "openshift-ingress", "openshift-ai-inference", {
    addresses: [{ type: "IPAddress", value: "127.0.0.10" }],
    conditions: [{ type: "Programmed", status: "True" }],
  });
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "openshift-ai-inference-openshift-default-5f6-pqrst",
      namespace: "openshift-ingress",
      labels: { "gateway.networking.k8s.io/gateway-name": "openshift-ai-inference" },
    },
    spec: { containers: [{ name: "istio-proxy", image: "proxyv2" }] },
  });
  store.create({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "scheduler.1", namespace: NS },
    involvedObject: { kind: "Deployment", name: "qwen3-0-6b-kserve-router-scheduler", namespace: NS },
    type: "Normal",
    reason: "ScalingReplicaSet",
    message: "Scaled up replica set qwen3-0-6b-kserve-router-scheduler-6b7 to 1",
    source: { component: "deployment-controller" },
    lastTimestamp: "2026-01-01T00:00:00Z",
  });
}

let fixture: OcFixture;
const access: PodAccess = {
  logs: (_ns, pod, container, options) => {
    const lines = [1, 2, 3, 4].map((n) => `${pod}/${container} line ${n}`);
    return options.tailLines === undefined ? lines : lines.slice(-options.tailLines);
  },
  followLogs: () => () => {},
  exec: async (_ns, pod, container, command) => ({
    stdout: command.join(" ") === "curl -s localhost:8000/metrics" ? "vllm:prefix_cache_hits_total 7\n" : "",
    stderr: command[0] === "false" ? `${pod}/${container}: failed\n` : "",
    exitCode: command[0] === "false" ? 2 : 0,
  }),
};

beforeAll(async () => {
  fixture = await startOcFixture(access);
});

afterAll(async () => {
  await fixture.server.close();
});

describe("oc get", () => {
  it("prints pods in oc's table layout with sidecar-aware READY, waiting reasons and restarts", async () => {
    const { code, stdout } = await fixture.oc("get", "pods", "-n", "my-first-model");
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        "NAME                                           READY   STATUS             RESTARTS      AGE",
        "qwen3-0-6b-kserve-7d9f-abcde                   2/2     Running            0             5m",
        "qwen3-0-6b-kserve-prefill-55c-fghij            0/1     CrashLoopBackOff   3 (60s ago)   5m",
        "qwen3-0-6b-kserve-router-scheduler-6b7-klmno   0/1     Pending            0             5m",
        "",
      ].join("\n"),
    );
  });

  it("prints services with headless None and joined ports", async () => {
    const { stdout } = await fixture.oc("get", "svc", "-n", "my-first-model");
    expect(stdout.split("\n")).toEqual([
      "NAME                                    TYPE        CLUSTER-IP       EXTERNAL-IP   PORT(S)                      AGE",
      "qwen3-0-6b-epp-service                  ClusterIP   172.30.187.192   <none>        9002/TCP,9003/TCP,9090/TCP   5m",
      "qwen3-0-6b-inference-pool-ip-a5e07bf3   ClusterIP   None             <none>        54321/TCP                    5m",
      "qwen3-0-6b-kserve-workload-svc          ClusterIP   172.30.156.35    <none>        8000/TCP                     5m",
      "",
    ]);
  });

  it("prints several types with kind-prefixed names, and a NAMESPACE column with -A", async () => {
    const mixed = await fixture.oc("get", "pods,svc,deploy", "-n", "my-first-model");
    expect(mixed.stdout).toContain("pod/qwen3-0-6b-kserve-7d9f-abcde");
    expect(mixed.stdout).toContain("service/qwen3-0-6b-epp-service");
    expect(mixed.stdout).toContain(
      "\n\nNAME                                                 READY   UP-TO-DATE   AVAILABLE   AGE\n",
    );
    expect(mixed.stdout).toContain(
      "deployment.apps/qwen3-0-6b-kserve-router-scheduler   1/1     1            1           5m",
    );
    const gateways = await fixture.oc("get", "pods", "-A", "-l", "gateway.networking.k8s.io/gateway-name");
    expect(gateways.stdout).toBe(
      [
        "NAMESPACE           NAME                                                 READY   STATUS    RESTARTS   AGE",
        "openshift-ingress   openshift-ai-inference-openshift-default-5f6-pqrst   0/1     Pending   0          5m",
        "",
      ].join("\n"),
    );
  });

  it("runs the seed's jsonpath checks", async () => {
    const address = await fixture.oc(
      "get",
      "gateway",
      "openshift-ai-inference",
      "-n",
      "openshift-ingress",
      "-o",
      "jsonpath={.status.addresses[0].value}",
    );
    expect(address.stdout).toBe("127.0.0.10");
    const args = await fixture.oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "app=qwen3-0-6b-kserve-router-scheduler",
      "-o",
      "jsonpath={.items[0].spec.containers[0].args}",
    );
    expect(args.stdout).toBe(
      '["--pool-name","qwen3-0-6b-inference-pool","--secure-serving","--config-text","a: \\u003cb\\u003e"]',
    );
    expect(JSON.parse(args.stdout)).toContain("--secure-serving");
    const env = await fixture.oc(
      "get",
      "pods",
      "-n",
      "my-first-model",
      "-l",
      "serving.kserve.io/inferenceservice=qwen3-0-6b",
      "-o",
      "jsonpath={range .items[*]}{.metadata.name}: {.spec.containers[0].env}",
    );
    expect(env.stdout).toBe(
      'qwen3-0-6b-kserve-7d9f-abcde: [{"name":"VLLM_ADDITIONAL_ARGS","value":"--enable-prefix-caching --block-size=16"}]qwen3-0-6b-kserve-prefill-55c-fghij: ',
    );
    const names = await fixture.oc("get", "pods", "-A", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}');
    expect(names.stdout.split("\n")).toHaveLength(5);
  });

  it("prints yaml that grep finds applyTo in, json lists, and names", async () => {
    await fixture.ocWithStdin(
      [
        "apiVersion: networking.istio.io/v1alpha3",
        "kind: EnvoyFilter",
        "metadata: {name: fix-extproc-body-mode, namespace: openshift-ingress}",
        "spec:",
        "  configPatches:",
        "  - applyTo: HTTP_FILTER",
        "    patch: {operation: MERGE, value: {typed_config: {'@type': x}}}",
      ].join("\n"),
      "apply",
      "-f",
      "-",
    );
    const yaml = await fixture.oc(
      "get",
      "envoyfilter",
      "fix-extproc-body-mode",
      "-n",
      "openshift-ingress",
      "-o",
      "yaml",
    );
    // As on a real cluster after `oc apply`: the spec's line, and the last-applied-configuration annotation's.
    const grepped = yaml.stdout.split("\n").filter((line) => line.includes("applyTo"));
    expect(grepped).toHaveLength(2);
    expect(grepped[0]).toMatch(/^ {6}\{"apiVersion":"networking\.istio\.io\/v1alpha3".*"applyTo":"HTTP_FILTER"/);
    expect(yaml.stdout).toContain("    kubectl.kubernetes.io/last-applied-configuration: |\n");
    expect(grepped[1]).toBe("  - applyTo: HTTP_FILTER");
    expect(yaml.stdout.startsWith("apiVersion: networking.istio.io/v1alpha3\nkind: EnvoyFilter\nmetadata:\n")).toBe(
      true,
    );
    const json = JSON.parse((await fixture.oc("get", "svc", "-n", "my-first-model", "-o", "json")).stdout);
    expect(json.kind).toBe("List");
    expect(json.items).toHaveLength(3);
    const names = await fixture.oc("get", "envoyfilters", "-n", "openshift-ingress", "-o", "name");
    expect(names.stdout).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode\n");
  });

  it("removes a label dropped from a re-applied manifest (client-side apply's three-way merge), keeping others'", async () => {
    const secret = (labels: string) =>
      [
        "apiVersion: v1",
        "kind: Secret",
        "metadata: {name: dave-api-key, namespace: my-first-model, labels: {" + labels + "}}",
        "stringData: {api_key: dave-key}",
      ].join("\n");
    await fixture.ocWithStdin(secret("app: maas, authorino.kuadrant.io/managed-by: authorino"), "apply", "-f", "-");
    await fixture.oc("label", "secret", "dave-api-key", "-n", "my-first-model", "team=blue");
    const applied = await fixture.ocWithStdin(secret("app: maas"), "apply", "-f", "-");
    expect(applied.stdout).toBe("secret/dave-api-key configured\n");
    const labels = JSON.parse(
      (await fixture.oc("get", "secret", "dave-api-key", "-n", "my-first-model", "-o", "jsonpath={.metadata.labels}"))
        .stdout,
    );
    expect(labels["authorino.kuadrant.io/managed-by"]).toBeUndefined();
    expect(labels.app).toBe("maas");
  });

  it("reports missing objects, empty namespaces, unknown types and an unreachable server like oc", async () => {
    const missing = await fixture.oc("get", "pod", "nope", "-n", "my-first-model");
    expect(missing).toMatchObject({ code: 1, stderr: 'Error from server (NotFound): pods "nope" not found\n' });
    const empty = await fixture.oc("get", "inferencepool.inference.networking.x-k8s.io", "-n", "my-first-model");
    expect(empty).toMatchObject({ code: 0, stdout: "", stderr: "No resources found in my-first-model namespace.\n" });
    const unknown = await fixture.oc("get", "virtualservice", "-A");
    expect(unknown.stderr).toBe('error: the server doesn\'t have a resource type "virtualservice"\n');
    const down = await fixture.oc("get", "pods", "--server", "http://127.0.0.1:1");
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("127.0.0.1:1");
    expect(down.stderr).toContain("npx testbed up");
  });
});

describe("oc apply, patch, delete, describe", () => {
  it("refuses an invalid manifest naming file, document and field, applying nothing", async () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: ok, namespace: my-first-model}",
      "---",
      "apiVersion: networking.istio.io/v1alpha3",
      "kind: EnvoyFilter",
      "metadata: {name: typo, namespace: openshift-ingress}",
      "spec: {configPatches: [{applyTo: HTTP_FILTR}]}",
    ].join("\n");
    const result = await fixture.ocWithStdin(text, "apply", "-f", "-");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: error validating "-" (document 2): EnvoyFilter "typo" is invalid: spec.configPatches[0].applyTo: Unsupported value: "HTTP_FILTR": supported values: "INVALID", "LISTENER", "FILTER_CHAIN", "NETWORK_FILTER", "HTTP_FILTER", "ROUTE_CONFIGURATION", "VIRTUAL_HOST", "HTTP_ROUTE", "CLUSTER", "EXTENSION_CONFIG", "BOOTSTRAP", "LISTENER_FILTER"\n',
    );
    expect(fixture.store.get("ConfigMap", "my-first-model", "ok")).toBeUndefined();
  });

  it("refuses a bad name in a later document and a stale resourceVersion, writing nothing", async () => {
    const text = [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: first, namespace: my-first-model}",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: Second_Bad, namespace: my-first-model}",
    ].join("\n");
    const bad = await fixture.ocWithStdin(text, "apply", "-f", "-");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('ConfigMap "Second_Bad" is invalid: metadata.name: Invalid value: "Second_Bad"');
    expect(fixture.store.get("ConfigMap", "my-first-model", "first")).toBeUndefined();
    const created = fixture.store.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "held", namespace: NS },
    });
    fixture.store.update({ ...created, data: { a: "newer" } });
    const stale = [
      "apiVersion: v1",
      "kind: ConfigMap",
      `metadata: {name: held, namespace: my-first-model, resourceVersion: "${created.metadata.resourceVersion}"}`,
      "data: {a: stale}",
    ].join("\n");
    const conflict = await fixture.ocWithStdin(stale, "apply", "-f", "-");
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain("the object has been modified; please apply your changes to the latest version");
    expect(fixture.store.get("ConfigMap", NS, "held")?.data).toEqual({ a: "newer" });
    expect((await fixture.oc("delete", "configmap", "..", "-n", NS)).stderr).toBe(
      "error: invalid resource name \"..\": [may not be '..']\n",
    );
    expect(fixture.store.get("Namespace", undefined, NS)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("patches with JSON patch and merge patch, and prints oc's messages", async () => {
    await fixture.ocWithStdin(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: knobs}\ndata: {a: '1'}\n",
      "create",
      "-f",
      "-",
      "-n",
      "my-first-model",
    );
    const json = await fixture.oc(
      "patch",
      "configmap",
      "knobs",
      "-n",
      "my-first-model",
      "--type=json",
      '-p=[{"op":"add","path":"/data/b","value":"2"}]',
    );
    expect(json.stdout).toBe("configmap/knobs patched\n");
    const merge = await fixture.oc(
      "patch",
      "cm/knobs",
      "-n",
      "my-first-model",
      "--type",
      "merge",
      "-p",
      '{"data":{"b":"2"}}',
    );
    expect(merge.stdout).toBe("configmap/knobs patched (no change)\n");
    expect(fixture.store.get("ConfigMap", "my-first-model", "knobs")?.data).toEqual({ a: "1", b: "2" });
    const failing = await fixture.oc(
      "patch",
      "cm",
      "knobs",
      "-n",
      "my-first-model",
      "--type=json",
      "-p",
      '[{"op":"add","path":"/spec/router/args/-","value":"x"}]',
    );
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("The request is invalid: /spec/router/args/-: add operation does not apply");
    const deleted = await fixture.oc("delete", "configmap", "knobs", "-n", "my-first-model");
    expect(deleted.stdout).toBe('configmap "knobs" deleted\n');
    const again = await fixture.oc("delete", "configmap", "knobs", "-n", "my-first-model");
    expect(again.stderr).toBe('Error from server (NotFound): configmaps "knobs" not found\n');
  });

  it("describes an object with labels, spec, status and its events", async () => {
    const { stdout } = await fixture.oc(
      "describe",
      "deploy/qwen3-0-6b-kserve-router-scheduler",
      "-n",
      "my-first-model",
    );
    expect(stdout).toContain("Name:         qwen3-0-6b-kserve-router-scheduler\n");
    expect(stdout).toContain("Namespace:    my-first-model\n");
    expect(stdout).toContain("Labels:       <none>\n");
    expect(stdout).toContain("  Replicas:  1\n");
    expect(stdout).toContain("  Ready Replicas:      1\n");
    expect(stdout).toMatch(/ {2}Normal {2}ScalingReplicaSet {2}5m {3}deployment-controller {2}Scaled up replica set/);
  });
});

describe("oc logs and exec", () => {
  it("logs a Deployment's pod with --tail, and a named container", async () => {
    const logs = await fixture.oc(
      "logs",
      "-n",
      "my-first-model",
      "deploy/qwen3-0-6b-kserve-router-scheduler",
      "--tail=2",
    );
    expect(logs.stdout).toBe(
      "qwen3-0-6b-kserve-router-scheduler-6b7-klmno/main line 3\nqwen3-0-6b-kserve-router-scheduler-6b7-klmno/main line 4\n",
    );
    const sidecar = await fixture.oc(
      "logs",
      "qwen3-0-6b-kserve-7d9f-abcde",
      "-n",
      "my-first-model",
      "-c",
      "llm-d-routing-sidecar",
      "--tail",
      "1",
    );
    expect(sidecar.stdout).toBe("qwen3-0-6b-kserve-7d9f-abcde/llm-d-routing-sidecar line 4\n");
    const defaulted = await fixture.oc("logs", "qwen3-0-6b-kserve-7d9f-abcde", "-n", "my-first-model", "--tail=1");
    expect(defaulted.stderr).toBe('Defaulted container "main" out of: main, llm-d-routing-sidecar (init)\n');
    const wrong = await fixture.oc("logs", "pod/qwen3-0-6b-kserve-7d9f-abcde", "-n", "my-first-model", "-c", "foo");
    expect(wrong.stderr).toBe(
      "Error from server (BadRequest): container foo is not valid for pod qwen3-0-6b-kserve-7d9f-abcde\n",
    );
  });

  it("execs a command, printing output and passing the exit code through", async () => {
    const ok = await fixture.oc(
      "exec",
      "-n",
      "my-first-model",
      "qwen3-0-6b-kserve-prefill-55c-fghij",
      "--",
      "curl",
      "-s",
      "localhost:8000/metrics",
    );
    expect(ok).toEqual({ code: 0, stdout: "vllm:prefix_cache_hits_total 7\n", stderr: "" });
    const failed = await fixture.oc(
      "exec",
      "-n",
      "openshift-ingress",
      "openshift-ai-inference-openshift-default-5f6-pqrst",
      "-c",
      "istio-proxy",
      "--",
      "false",
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(
      "openshift-ai-inference-openshift-default-5f6-pqrst/istio-proxy: failed\ncommand terminated with exit code 2\n",
    );
  });
});
