// The custom kinds' structural schemas (crd-schemas/) against every object the project ships:
// topologies, manifests, scenario fixtures and the customer cases (whose must-gather holds objects
// as a real cluster stored them) declare only fields the schemas know, so a stricter schema
// rejects nothing valid; and the schemas are structural as the apiextensions server requires.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KINDS, kindFor, kindKey } from "@testbed/apimachinery";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { builtInObjectSchema } from "../src/api/built-in-schemas.js";
import { crdSchemaOf } from "../src/api/crd-schemas/crd-schemas.js";
import type { Schema } from "../src/api/crd-schemas/schema-notation.js";
import { pruned, unknownFields } from "../src/api/crd-schemas/unknown-fields.js";
import { customResourceDefinitions } from "../src/api/custom-resource-definitions.js";
import { unknownFieldsOf } from "../src/api/field-validation.js";
import { definitionName, openApiV2Document, openApiV3Document } from "../src/api/openapi.js";

const ROOT = join(import.meta.dirname, "../../..");
const SHIPPED = ["topologies", "manifests", "scenarios", "test/fixtures", "docs"];

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    // A chart's templates are not manifests until helm renders them.
    return /\.ya?ml$/.test(name) && !path.includes("/templates/") ? [path] : [];
  });
}

type Manifest = { apiVersion?: string; kind?: string; items?: Manifest[]; [field: string]: unknown };

function objectsIn(path: string): Manifest[] {
  const objects: Manifest[] = [];
  for (const document of parseAllDocuments(readFileSync(path, "utf8"))) {
    const value = document.toJS() as Manifest | null;
    if (value === null || typeof value !== "object") continue;
    objects.push(...(Array.isArray(value.items) ? value.items : [value]));
  }
  return objects;
}

/** The shipped objects of the kinds field validation checks, with what it would prune from each. */
function typedObjects(): Array<{ file: string; object: Manifest; unknown: string[] }> {
  const found: Array<{ file: string; object: Manifest; unknown: string[] }> = [];
  for (const file of SHIPPED.flatMap((dir) => yamlFiles(join(ROOT, dir)))) {
    let objects: Manifest[];
    try {
      objects = objectsIn(file);
    } catch {
      continue; // not a manifest (a template or a chart with placeholders)
    }
    for (const object of objects) {
      if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") continue;
      const info = kindFor(object.apiVersion, object.kind);
      const version = object.apiVersion.split("/").pop() ?? "";
      const checked = info && unknownFieldsOf(info, version, object);
      if (checked) found.push({ file: file.slice(ROOT.length + 1), object, unknown: checked.unknown });
    }
  }
  return found;
}

/** The nodes of a schema that are not structural: no type, and neither open nor int-or-string. */
function untyped(schema: Schema, path: string): string[] {
  const own =
    schema.type === undefined &&
    schema["x-kubernetes-preserve-unknown-fields"] !== true &&
    schema["x-kubernetes-int-or-string"] !== true
      ? [path]
      : [];
  const children = Object.entries((schema.properties ?? {}) as Record<string, Schema>).flatMap(([name, child]) =>
    untyped(child, `${path}.${name}`),
  );
  const items = schema.items ? untyped(schema.items as Schema, `${path}[]`) : [];
  const values = schema.additionalProperties ? untyped(schema.additionalProperties as Schema, `${path}{}`) : [];
  return [...own, ...children, ...items, ...values];
}

describe("the custom kinds' structural schemas", () => {
  it("accept every shipped object of the kinds they type", () => {
    const objects = typedObjects();
    const kinds = new Set(objects.map(({ object }) => `${object.apiVersion}/${object.kind}`));
    // The seed's kinds all appear among the shipped objects, so the check below covers each.
    for (const kind of [
      "serving.kserve.io/v1alpha1/LLMInferenceService",
      "inference.networking.x-k8s.io/v1alpha2/InferencePool",
      "gateway.networking.k8s.io/v1/Gateway",
      "gateway.networking.k8s.io/v1/HTTPRoute",
      "networking.istio.io/v1alpha3/EnvoyFilter",
      "networking.istio.io/v1/DestinationRule",
    ]) {
      expect(kinds).toContain(kind);
    }
    // The built-in kinds are checked with their metadata, as their typed decoder reads it.
    for (const kind of ["apps/v1/Deployment", "v1/Secret", "v1/Namespace", "v1/Service"]) expect(kinds).toContain(kind);
    const rejected = objects.flatMap(({ file, object, unknown }) =>
      unknown.map((field) => `${file}: ${object.kind} ${field}`),
    );
    expect(rejected).toEqual([]);
  });

  it("name the fields a schema does not declare, by JSON path", () => {
    const schema = crdSchemaOf("inference.networking.k8s.io/InferencePool", "v1") as Schema;
    const pool = {
      apiVersion: "inference.networking.k8s.io/v1",
      kind: "InferencePool",
      metadata: { name: "p", labels: { a: "b" } },
      spec: {
        selector: { matchLabels: { app: "x" } },
        targetPorts: [{ number: 8000, name: "http" }],
        endpointPickerRef: { name: "epp", port: { number: 9002 } },
        targetPortNumber: 8000,
      },
    };
    expect(unknownFields(schema, pool)).toEqual(["spec.targetPorts[0].name", "spec.targetPortNumber"]);
    // An open sub-tree (a patch's Envoy config) keeps everything.
    const envoyFilter = crdSchemaOf("networking.istio.io/EnvoyFilter", "v1alpha3") as Schema;
    expect(
      unknownFields(envoyFilter, { spec: { configPatches: [{ patch: { value: { any: { thing: 1 } } } }] } }),
    ).toEqual([]);
  });

  it("check a built-in kind down to its containers and metadata, FieldsV1 left free-form", () => {
    const schema = builtInObjectSchema("apps", "Deployment") as Schema;
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: "d",
        lables: { a: "b" },
        managedFields: [{ manager: "kubectl", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }],
      },
      spec: { template: { spec: { containers: [{ name: "c", image: "i", comand: ["x"] }] } } },
    };
    expect(pruned(schema, deployment, new Set(["apiVersion", "kind"])).unknown).toEqual([
      "metadata.lables",
      "spec.template.spec.containers[0].comand",
    ]);
    expect(builtInObjectSchema("", "Deployment")).toBeUndefined();
    expect(builtInObjectSchema("", "Node")).toBeUndefined();
  });

  it("are structural and reach the served CRDs for every version of the kinds they type", () => {
    const crds = customResourceDefinitions("2026-01-01T00:00:00Z");
    for (const info of KINDS) {
      for (const version of info.versions) {
        const schema = crdSchemaOf(kindKey(info), version);
        if (!schema) continue;
        expect(untyped(schema, kindKey(info))).toEqual([]);
        const crd = crds.find((c) => c.metadata.name === `${info.plural}.${info.group}`);
        const versions = (crd?.spec.versions ?? []) as Array<{ name: string; schema: { openAPIV3Schema: Schema } }>;
        const served = versions.find((v) => v.name === version);
        expect(served?.schema.openAPIV3Schema).toBe(schema);
      }
    }
  });

  it("are published inline in /openapi/v3, and in /openapi/v2 without anyOf", () => {
    const info = KINDS.find((k) => kindKey(k) === "networking.istio.io/EnvoyFilter");
    if (!info) throw new Error("EnvoyFilter is served");
    const name = definitionName(info, "v1alpha3");
    const v3 = openApiV3Document("networking.istio.io", "v1alpha3") as {
      components: { schemas: Record<string, Schema> };
    };
    const published = v3.components.schemas[name] as { properties: Record<string, Schema> };
    expect(published.properties.metadata).toEqual({
      $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    });
    const status = published.properties.status as { properties: Record<string, Schema> };
    expect(status.properties.observedGeneration).toHaveProperty("anyOf");
    const v2 = openApiV2Document() as { definitions: Record<string, Schema> };
    const swagger = JSON.stringify(v2.definitions[name]);
    expect(swagger).toContain('"x-kubernetes-int-or-string":true');
    expect(swagger).not.toContain("anyOf");
  });
});
