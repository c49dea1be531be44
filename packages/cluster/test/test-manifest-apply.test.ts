import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyManifests, loadManifests, ManifestError, manifestFiles, parseManifests } from "@testbed/apimachinery";
import { describe, expect, it } from "vitest";
import { storeTarget } from "../src/manifests/store-target.js";
import { ObjectStore } from "../src/store/object-store.js";

const NAMESPACE_AND_FILTER = `
apiVersion: networking.istio.io/v1alpha3
kind: EnvoyFilter
metadata:
  name: fix-extproc-body-mode
  namespace: openshift-ingress
spec:
  configPatches:
  - applyTo: HTTP_FILTER
    patch:
      operation: MERGE
      value: {}
---
---
apiVersion: v1
kind: Namespace
metadata:
  name: openshift-ingress
`;

async function errorOf(promise: Promise<unknown>): Promise<ManifestError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ManifestError) return error;
    throw error;
  }
  throw new Error("expected a ManifestError");
}

describe("manifests", () => {
  it("parses multi-document YAML, skips empty documents and expands a List", () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n`;
    expect(parseManifests(NAMESPACE_AND_FILTER, "f.yaml").map((m) => [m.object.kind, m.source.document])).toEqual([
      ["EnvoyFilter", 1],
      ["Namespace", 3],
    ]);
    expect(parseManifests(list, "l.yaml").map((m) => [m.object.metadata.name, m.source.item])).toEqual([
      ["a", 0],
      ["b", 1],
    ]);
  });

  it("reports a YAML syntax error with the file and document", () => {
    const error = (() => {
      try {
        parseManifests("kind: ConfigMap\n---\nmetadata: [unclosed\n", "bad.yaml");
      } catch (e) {
        return e as ManifestError;
      }
    })();
    expect(error).toBeInstanceOf(ManifestError);
    expect(error?.message).toMatch(/^error validating "bad\.yaml" \(document 2\): error parsing YAML/);
  });

  it("applies Namespaces first, then reports created / unchanged / configured like oc", async () => {
    const store = new ObjectStore();
    const manifests = parseManifests(NAMESPACE_AND_FILTER, "f.yaml");
    const first = await applyManifests(storeTarget(store), manifests);
    expect(first.map((r) => `${r.reference} ${r.action}`)).toEqual([
      "namespace/openshift-ingress created",
      "envoyfilter.networking.istio.io/fix-extproc-body-mode created",
    ]);
    const again = await applyManifests(storeTarget(store), manifests);
    expect(again.map((r) => r.action)).toEqual(["unchanged", "unchanged"]);
    store.updateStatus("Namespace", undefined, "openshift-ingress", { phase: "Active" });
    const changed = parseManifests(NAMESPACE_AND_FILTER.replace("HTTP_FILTER", "HTTP_ROUTE"), "f.yaml");
    const third = await applyManifests(storeTarget(store), changed);
    expect(third.map((r) => r.action)).toEqual(["unchanged", "configured"]);
    expect(store.get("Namespace", undefined, "openshift-ingress")?.status).toEqual({ phase: "Active" });
    const filter = store.get("networking.istio.io/EnvoyFilter", "openshift-ingress", "fix-extproc-body-mode");
    expect(filter?.spec.configPatches[0].applyTo).toBe("HTTP_ROUTE");
    expect(filter?.metadata.generation).toBe(2);
  });

  it("applies nothing when any document is invalid, naming file, document and field", async () => {
    const store = new ObjectStore();
    const text = `${NAMESPACE_AND_FILTER}---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: openshift-ingress}\nspec:\n  ports: [{port: 99999}]\n`;
    const error = await errorOf(applyManifests(storeTarget(store), parseManifests(text, "topology.yaml")));
    expect(error.source).toEqual({ file: "topology.yaml", document: 4 });
    expect(error.field).toBe("spec.ports[0].port");
    expect(error.message).toContain('Service "s" is invalid: spec.ports[0].port: Invalid value: 99999');
    expect(store.all()).toEqual([]);
  });

  it("refuses objects in a namespace that neither exists nor is in the batch, and unknown kinds", async () => {
    const store = new ObjectStore();
    const orphan = parseManifests(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: nowhere}\n",
      "c.yaml",
    );
    expect((await errorOf(applyManifests(storeTarget(store), orphan))).message).toContain(
      'namespaces "nowhere" not found',
    );
    const unknown = parseManifests("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "w.yaml");
    expect((await errorOf(applyManifests(storeTarget(store), unknown))).message).toContain(
      'no matches for kind "Widget"',
    );
    expect(store.all()).toEqual([]);
  });

  it("loads a directory recursively in sorted order, only manifest files", async () => {
    const dir = await mkdtemp(join(tmpdir(), "manifests-"));
    await mkdir(join(dir, "b-sub"));
    await writeFile(join(dir, "c.yml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
    await writeFile(
      join(dir, "a.json"),
      JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a" } }),
    );
    await writeFile(join(dir, "b-sub", "b.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
    await writeFile(join(dir, "README.md"), "# not a manifest");
    expect((await manifestFiles(dir)).map((f) => f.slice(dir.length + 1))).toEqual(["a.json", "b-sub/b.yaml", "c.yml"]);
    expect((await loadManifests(dir)).map((m) => m.object.metadata.name)).toEqual(["a", "b", "c"]);
    const fromStdin = await loadManifests("-", async () => "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n");
    expect(fromStdin[0]?.source.file).toBe("-");
  });
});
