// The custom kinds the seed touches, with the real kubectl: their CRDs' structural schemas
// (crd-schemas/) reach /openapi/v3 inline, so `kubectl explain` lists the real CRDs' fields, types,
// required markers and enums, and server-side field validation names unknown fields (Strict refuses
// the write, Warn prunes them and warns) in kube-apiserver's words.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type RealKubectl, realKubectl } from "../../../test/real-kubectl.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { ObjectStore } from "../src/store/object-store.js";

let server: ApiServerHandle;
let kubectl: RealKubectl;
let store: ObjectStore;
const NS = "schemas";

/** An InferencePool manifest with two fields its schema does not declare. */
const POOL_WITH_UNKNOWN_FIELDS = `apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: pool
  namespace: ${NS}
spec:
  selector:
    matchLabels:
      app: model
  targetPorts:
    - number: 8000
      name: http
  endpointPickerRef:
    name: pool-epp
    port:
      number: 9002
  foo: bar
`;

/** The FIELDS block of an explain answer, one `name<TAB><type>[ -required-]` line per field. */
async function fields(...args: string[]): Promise<string[]> {
  const result = await kubectl.run("explain", ...args);
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return result.out
    .split("\n")
    .filter((line) => /^ {2}\S+\t</.test(line))
    .map((line) => line.trim());
}

describe.skipIf(realClientMissing("kubectl"))("the custom kinds' schemas with the real kubectl", () => {
  beforeAll(async () => {
    store = new ObjectStore();
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: NS } });
    server = await startApiServer({ store, port: 0 });
    kubectl = realKubectl(server.url);
  });
  afterAll(async () => {
    kubectl?.dispose();
    await server?.close();
  });

  it("lists InferencePool's spec in both groups", async () => {
    expect(await fields("inferencepool.spec", "--api-version=inference.networking.k8s.io/v1")).toEqual([
      "endpointPickerRef\t<Object> -required-",
      "selector\t<Object> -required-",
      "targetPorts\t<[]Object> -required-",
    ]);
    expect(await fields("inferencepool.spec", "--api-version=inference.networking.x-k8s.io/v1alpha2")).toEqual([
      "extensionRef\t<Object> -required-",
      "selector\t<map[string]string> -required-",
      "targetPortNumber\t<integer> -required-",
    ]);
    const failureMode = await kubectl.run(
      "explain",
      "inferencepool.spec.endpointPickerRef.failureMode",
      "--api-version=inference.networking.k8s.io/v1",
    );
    expect(failureMode.out).toContain("FIELD: failureMode <string>");
    expect(failureMode.out).toContain("ENUM:\n    FailOpen\n    FailClose");
  });

  it("lists LLMInferenceService's spec recursively, down to the embedded HTTPRoute and pool specs", async () => {
    const result = await kubectl.run("explain", "llminferenceservice.spec", "--recursive");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\n {2}model\t<Object>\n {4}criticality\t<string>\n/);
    expect(result.out).toMatch(/\n {4}uri\t<string> -required-\n/);
    expect(result.out).toMatch(/\n {2}router\t<Object>\n {4}gateway\t<Object>\n {6}refs\t<\[\]Object>\n/);
    expect(result.out).toMatch(/\n {8}spec\t<Object>\n {10}hostnames\t<\[\]string>\n/);
    expect(result.out).toMatch(/\n {10}targetPortNumber\t<integer> -required-\n/);
  });

  it("lists the Gateway's listeners, the HTTPRoute's filters and the policies' rules", async () => {
    expect(await fields("gateway.spec.listeners")).toEqual([
      "allowedRoutes\t<Object>",
      "hostname\t<string>",
      "name\t<string> -required-",
      "port\t<integer> -required-",
      "protocol\t<string> -required-",
      "tls\t<Object>",
    ]);
    expect(await fields("httproute.spec.rules.matches.path")).toEqual(["type\t<string>", "value\t<string>"]);
    expect(await fields("envoyfilter.spec.configPatches.patch")).toEqual([
      "filterClass\t<string>",
      "operation\t<string>",
      "value\t<Object>",
    ]);
    expect(await fields("destinationrule.spec")).toContain("host\t<string> -required-");
    expect(await fields("authpolicy.spec.rules")).toContain("authentication\t<map[string]Object>");
    expect(await fields("ratelimitpolicy.spec.limits.rates")).toEqual([
      "limit\t<integer> -required-",
      "window\t<string> -required-",
    ]);
  });

  it("refuses unknown fields under kubectl's default (Strict), naming each as kube-apiserver does", async () => {
    const refused = await kubectl.runWithStdin(POOL_WITH_UNKNOWN_FIELDS, "apply", "-f", "-");
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'Error from server (BadRequest): error when creating "STDIN": InferencePool in version "v1" cannot be ' +
        'handled as a InferencePool: strict decoding error: unknown field "spec.foo", unknown field ' +
        '"spec.targetPorts[0].name"\n',
    );
    expect(store.get("inference.networking.k8s.io/InferencePool", NS, "pool")).toBeUndefined();
  });

  it("refuses a built-in kind's unknown fields the same way (a Deployment's typed decoder), metadata included", async () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: typo
  namespace: ${NS}
  lables:
    app: typo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: typo
  template:
    metadata:
      labels:
        app: typo
    spec:
      containers:
        - name: main
          image: curlimages/curl
          imagePullPolicy: IfNotPresent
          comand: ["sleep"]
`;
    const refused = await kubectl.runWithStdin(deployment, "apply", "-f", "-");
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      'Error from server (BadRequest): error when creating "STDIN": Deployment in version "v1" cannot be ' +
        'handled as a Deployment: strict decoding error: unknown field "metadata.lables", unknown field ' +
        '"spec.template.spec.containers[0].comand"\n',
    );
    expect(store.get("apps/Deployment", NS, "typo")).toBeUndefined();
    const warned = await kubectl.runWithStdin(deployment, "apply", "--validate=warn", "-f", "-");
    expect(warned.code).toBe(0);
    expect(warned.err).toContain('Warning: unknown field "spec.template.spec.containers[0].comand"');
    const stored = store.get("apps/Deployment", NS, "typo");
    expect(stored?.metadata).not.toHaveProperty("lables");
  });

  it("warns and prunes them with --validate=warn, and patches warn the same way", async () => {
    const applied = await kubectl.runWithStdin(POOL_WITH_UNKNOWN_FIELDS, "apply", "--validate=warn", "-f", "-");
    expect(applied.code).toBe(0);
    expect(applied.err).toBe('Warning: unknown field "spec.foo"\nWarning: unknown field "spec.targetPorts[0].name"\n');
    const stored = store.get("inference.networking.k8s.io/InferencePool", NS, "pool");
    expect(stored?.spec).toEqual({
      selector: { matchLabels: { app: "model" } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { name: "pool-epp", port: { number: 9002 } },
    });
    // kubectl patch sends no fieldValidation: the server's default, Warn.
    const patched = await kubectl.run(
      "patch",
      "inferencepools.inference.networking.k8s.io/pool",
      "-n",
      NS,
      "--type=merge",
      "-p",
      '{"spec":{"bar":1}}',
    );
    expect(patched).toMatchObject({ code: 0, err: 'Warning: unknown field "spec.bar"\n' });
    const strict = await fetch(
      `${server.url}/apis/inference.networking.k8s.io/v1/namespaces/${NS}/inferencepools/pool?fieldValidation=Strict`,
      {
        method: "PATCH",
        headers: { "content-type": "application/merge-patch+json" },
        body: '{"spec":{"bar":1}}',
      },
    );
    expect(strict.status).toBe(422);
    const status = (await strict.json()) as { message: string; reason: string };
    expect(status.reason).toBe("Invalid");
    expect(status.message).toMatch(
      /^ "" is invalid: patch: Invalid value: "\{.*\}": strict decoding error: unknown field "spec\.bar"$/,
    );
  });

  it("refuses a fieldValidation value the server does not know, for every kind", async () => {
    const answer = await fetch(`${server.url}/api/v1/namespaces/${NS}/configmaps?fieldValidation=Bogus`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }),
    });
    expect(answer.status).toBe(422);
    expect(((await answer.json()) as { message: string }).message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"',
    );
  });
});
