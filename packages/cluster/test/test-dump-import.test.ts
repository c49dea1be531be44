// Importing a customer's dump (dump-import/): which objects are kept, what they lose, why the rest
// are left, how redacted Secrets come back, and which Istio release the dump selects.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { dumpVersions } from "../src/dump-import/dump-versions.js";
import { importDump } from "../src/dump-import/import-dump.js";
import { isRedacted } from "../src/dump-import/secret-redaction.js";

const MUST_GATHER = fileURLToPath(new URL("../../../test/fixtures/customer-cases/must-gather-bug1", import.meta.url));
const LIST = fileURLToPath(
  new URL("../../../test/fixtures/customer-cases/oc-get-list/oc-get-all.yaml", import.meta.url),
);

describe("importing a dump", () => {
  it("reads a must-gather tree: lists and single-object files, typed lists without item kinds, logs skipped", () => {
    const result = importDump(MUST_GATHER);
    expect(result.layout).toBe("oc adm inspect / must-gather tree");
    expect(result.unreadable).toEqual([]);
    expect(Object.fromEntries(result.imported)).toEqual({
      ClusterServiceVersion: 2,
      Gateway: 1,
      GatewayClass: 1,
      Istio: 1,
      LLMInferenceService: 1,
      Namespace: 4,
    });
    expect(
      result.dropped.get("Secret: kubernetes.io/service-account-token: the cluster makes it for a service account"),
    ).toBe(1);
    expect(result.dropped.get("InferencePool: owned by LLMInferenceService qwen3-0-6b: KServe re-creates it")).toBe(1);
    expect(Object.fromEntries(result.notModelled)).toEqual({
      "config.openshift.io/ClusterVersion": 1,
      "rbac.authorization.k8s.io/Role": 1,
      "route.openshift.io/Route": 1,
    });
  });

  it("drops what the cluster wrote: status, managedFields, uid, resourceVersion, creationTimestamp, finalizers", () => {
    const result = importDump(MUST_GATHER);
    const llmisvc = result.objects.find((object) => object.kind === "LLMInferenceService");
    expect(llmisvc?.status).toBeUndefined();
    expect(Object.keys(llmisvc?.metadata ?? {}).sort()).toEqual(["name", "namespace"]);
    const gateway = result.objects.find((object) => object.kind === "Gateway");
    expect(gateway?.metadata.labels).toEqual({ "opendatahub.io/managed": "true" });
    expect(gateway?.status).toBeUndefined();
  });

  it("puts namespaces first and makes the ones the dump lacks", () => {
    const result = importDump(MUST_GATHER);
    const kinds = result.objects.map((object) => object.kind);
    expect(kinds.slice(0, 4)).toEqual(["Namespace", "Namespace", "Namespace", "Namespace"]);
    expect(result.madeNamespaces).toEqual(["openshift-operators", "redhat-ods-operator"]);
  });

  it("replaces redacted Secret values with stable test keys and keeps the others", () => {
    const first = importDump(LIST);
    const second = importDump(LIST);
    const secret = first.objects.find((object) => object.kind === "Secret");
    const data = (secret?.data ?? {}) as Record<string, string>;
    const key = Buffer.from(String(data.HF_TOKEN), "base64").toString();
    expect(key).toMatch(/^testbed-[0-9a-f]{32}$/);
    expect(second.objects.find((object) => object.kind === "Secret")?.data).toEqual(secret?.data);
    expect(first.generatedKeys).toEqual(["my-first-model/hf-token: HF_TOKEN"]);
    expect(isRedacted(Buffer.from("1679 bytes long").toString("base64"), true)).toBe(true);
    expect(isRedacted(Buffer.from("sk-live-123").toString("base64"), true)).toBe(false);
  });

  it("takes the Istio release from the Istio resource before image tags and the OSSM CSV", () => {
    const istio = (version: string) => ({
      apiVersion: "sailoperator.io/v1",
      kind: "Istio",
      metadata: { name: "default" },
      spec: { version },
    });
    const csv = (name: string) => ({
      apiVersion: "operators.coreos.com/v1alpha1",
      kind: "ClusterServiceVersion",
      metadata: { name, namespace: "openshift-operators" },
    });
    const gatewayPod = (image: string) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "gw", namespace: "openshift-ingress" },
      spec: { containers: [{ name: "istio-proxy", image }] },
    });
    expect(dumpVersions([csv("servicemeshoperator3.v3.2.1"), istio("v1.28.2")]).istio).toBe("1.28");
    expect(dumpVersions([csv("servicemeshoperator3.v3.2.1"), gatewayPod("docker.io/istio/proxyv2:1.29.0")]).istio).toBe(
      "1.29",
    );
    expect(dumpVersions([csv("servicemeshoperator3.v3.2.1")]).istio).toBe("1.27");
    expect(dumpVersions([istio("v1.24.3")]).istio).toBeUndefined();
    expect(dumpVersions([csv("rhods-operator.3.2.0")]).evidence).toEqual(["RHOAI 3.2.0 (CSV rhods-operator.3.2.0)"]);
  });

  it("imports a must-gather's nodes with their capacity and allocatable, the shape the scheduler fits into", () => {
    const root = mkdtempSync(join(tmpdir(), "must-gather-"));
    const nodes = join(root, "cluster-scoped-resources", "core", "nodes");
    mkdirSync(nodes, { recursive: true });
    writeFileSync(
      join(nodes, "ip-10-0-40-17.ec2.internal.yaml"),
      [
        "apiVersion: v1",
        "kind: Node",
        "metadata: {name: ip-10-0-40-17.ec2.internal, uid: 1, labels: {nvidia.com/gpu.product: Tesla-T4}}",
        "spec: {providerID: 'aws:///us-east-1a/i-0abc'}",
        "status:",
        "  capacity: {cpu: '4', nvidia.com/gpu: '1'}",
        "  allocatable: {cpu: 3500m, nvidia.com/gpu: '1'}",
        "  conditions: [{type: Ready, status: 'True'}]",
      ].join("\n"),
    );
    const node = importDump(root).objects.find((object) => object.kind === "Node");
    expect(node?.status).toEqual({
      capacity: { cpu: "4", "nvidia.com/gpu": "1" },
      allocatable: { cpu: "3500m", "nvidia.com/gpu": "1" },
    });
    expect(node?.spec).toEqual({});
  });

  it("names a file that does not parse instead of failing the import", () => {
    const root = mkdtempSync(join(tmpdir(), "dump-"));
    writeFileSync(join(root, "broken.yaml"), "kind: [unclosed\n");
    writeFileSync(join(root, "ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: acme}\n");
    const result = importDump(root);
    expect(result.unreadable).toHaveLength(1);
    expect(result.unreadable[0]).toMatch(/^broken\.yaml: /);
    expect(result.layout).toBe("directory");
  });
});
