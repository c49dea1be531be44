// The OpenAPI schemas of the built-in kinds' nested types (PodSpec, Container, ServicePort,
// DeploymentStrategy…), typed from the same field tables the protobuf decoder reads
// (protobuf-messages.ts): what `kubectl explain deployment.spec.template.spec.containers` walks
// through with $ref. Named as kube-apiserver names them (io.k8s.api.core.v1.Container,
// io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta); the field descriptions are not carried.
import { decodedMessageOf } from "./protobuf-body.js";
import { LEAF_MESSAGES, MESSAGES } from "./protobuf-messages.js";

type Schema = Record<string, unknown>;

/** The apps/v1 messages of the table (generated.proto of k8s.io/api/apps/v1); the rest are core/v1 or meta/v1. */
const APPS = new Set([
  "Deployment",
  "DeploymentSpec",
  "DeploymentStrategy",
  "RollingUpdateDeployment",
  "DeploymentStatus",
  "DeploymentCondition",
  "ReplicaSet",
  "ReplicaSetSpec",
  "ReplicaSetStatus",
  "ReplicaSetCondition",
]);
const META = new Set([
  "ObjectMeta",
  "OwnerReference",
  "ManagedFieldsEntry",
  "LabelSelector",
  "LabelSelectorRequirement",
  "Condition",
  "Time",
  "MicroTime",
  "FieldsV1",
]);

/** The leaf types' own definitions, as the real documents publish them. */
const LEAF_SCHEMAS: Readonly<Record<string, Schema>> = {
  Time: { type: "string", format: "date-time" },
  MicroTime: { type: "string", format: "date-time" },
  Quantity: { type: "string" },
  IntOrString: { type: "string", format: "int-or-string" },
  FieldsV1: { type: "object" },
};

/** The definition name of a message of the table. */
export function messageDefinition(message: string): string {
  if (message === "Quantity") return "io.k8s.apimachinery.pkg.api.resource.Quantity";
  if (message === "IntOrString") return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
  if (META.has(message)) return `io.k8s.apimachinery.pkg.apis.meta.v1.${message}`;
  return `io.k8s.api.${APPS.has(message) ? "apps" : "core"}.v1.${message}`;
}

/**
 * The typed definitions of `root` and of every message it reaches, by definition name; `refBase`
 * is `#/definitions/` (v2) or `#/components/schemas/` (v3).
 */
export function messageSchemas(root: string, refBase: string): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  const visit = (message: string) => {
    const name = messageDefinition(message);
    if (schemas.has(name)) return;
    const leaf = LEAF_SCHEMAS[message];
    if (leaf || LEAF_MESSAGES.has(message)) {
      schemas.set(name, leaf ?? { type: "object" });
      return;
    }
    const properties: Record<string, Schema> = {};
    const schema: Schema = { type: "object", properties };
    schemas.set(name, schema);
    for (const entry of (MESSAGES[message] ?? "").split(" ")) {
      const [, json = "", rawType = ""] = entry.split(":");
      const type = rawType.replace(/[*?^]/g, "");
      const map = type.startsWith("{");
      const element = map ? type.slice(1, -1) : type;
      const field = fieldSchema(element, refBase, visit);
      if (rawType.endsWith("^")) {
        // An embedded Go struct: its fields are the parent's in JSON.
        Object.assign(properties, (schemas.get(messageDefinition(element))?.properties ?? {}) as Schema);
        continue;
      }
      properties[json] = map
        ? { type: "object", additionalProperties: field }
        : rawType.includes("*")
          ? { type: "array", items: field }
          : field;
    }
  };
  visit(root);
  return schemas;
}

function fieldSchema(type: string, refBase: string, visit: (message: string) => void): Schema {
  switch (type) {
    case "s":
      return { type: "string" };
    case "i":
      return { type: "integer" };
    case "b":
      return { type: "boolean" };
    case "d":
      return { type: "number", format: "double" };
    case "y":
      return { type: "string", format: "byte" };
    default:
      visit(type);
      return { $ref: `${refBase}${messageDefinition(type)}` };
  }
}

/**
 * Put the typed definitions reached from `root` into `schemas`, keeping what the strategic-merge-patch
 * metadata already put there (x-kubernetes-patch-merge-key / -strategy, the kinds' descriptions):
 * a typed field replaces only an open node that carries no patch metadata.
 */
export function addTypedDefinitions(schemas: Record<string, Schema>, root: string, refBase: string): void {
  for (const [name, typed] of messageSchemas(root, refBase)) schemas[name] = merged(typed, schemas[name]);
}

function merged(typed: Schema, meta: Schema | undefined): Schema {
  if (meta === undefined || typed.properties === undefined) return meta ?? typed;
  const typedProperties = typed.properties as Record<string, Schema>;
  const metaProperties = (meta.properties ?? {}) as Record<string, Schema>;
  const properties: Record<string, Schema> = { ...typedProperties };
  for (const [field, node] of Object.entries(metaProperties)) {
    const own = typedProperties[field];
    if (own === undefined) {
      if (!isOpen(node)) properties[field] = node; // apiVersion, kind
    } else if (node.$ref !== undefined) properties[field] = node;
    else if (node.type === "array") {
      const { items, ...rest } = node;
      properties[field] = { ...own, ...rest, items: isOpen(items as Schema) ? own.items : items };
    } else if (!(own.$ref !== undefined && isOpen(node))) properties[field] = node;
  }
  const { properties: _, "x-kubernetes-preserve-unknown-fields": __, ...rest } = meta;
  return { ...typed, ...rest, properties };
}

/** A node that says nothing the typed one does not: no $ref, no patch metadata, no properties. */
function isOpen(node: Schema | undefined): boolean {
  if (node === undefined) return true;
  if (node.$ref !== undefined || node.type === "string" || node.type === "integer" || node.type === "boolean")
    return false;
  if (Object.keys(node).some((key) => key.startsWith("x-kubernetes-patch"))) return false;
  return Object.keys((node.properties ?? {}) as Schema).length === 0;
}

const objectSchemas = new Map<string, Schema>();

/**
 * A built-in kind's whole schema with every $ref inlined (core/v1 or apps/v1, `group` "" or "apps"),
 * what field validation walks as the typed decoder does; undefined for kinds the table does not type
 * (those whose protobuf form is not decoded either).
 */
export function builtInObjectSchema(group: string, kind: string): Schema | undefined {
  const root = decodedMessageOf({ group, kind });
  if (root === undefined) return undefined;
  let schema = objectSchemas.get(root);
  if (!schema) {
    const definitions = messageSchemas(root, "#/");
    schema = inlined(definitions.get(messageDefinition(root)) ?? {}, definitions, new Set());
    objectSchemas.set(root, schema);
  }
  return schema;
}

/** `schema` with its $refs replaced by their definitions; a definition met again inside itself stays open. */
function inlined(schema: Schema, definitions: Map<string, Schema>, open: Set<string>): Schema {
  const ref = schema.$ref as string | undefined;
  if (ref !== undefined) {
    const name = ref.slice(2);
    const target = definitions.get(name);
    if (!target || open.has(name)) return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    open.add(name);
    const resolved = inlined(target, definitions, open);
    open.delete(name);
    return resolved;
  }
  // A leaf object (FieldsV1, RawExtension) is free-form JSON to the typed decoder: nothing in it is unknown.
  if (schema.type === "object" && !schema.properties && !schema.additionalProperties) {
    return { ...schema, "x-kubernetes-preserve-unknown-fields": true };
  }
  const result: Schema = { ...schema };
  if (schema.properties) {
    result.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, Schema>).map(([field, node]) => [
        field,
        inlined(node, definitions, open),
      ]),
    );
  }
  if (schema.items) result.items = inlined(schema.items as Schema, definitions, open);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    result.additionalProperties = inlined(schema.additionalProperties as Schema, definitions, open);
  }
  return result;
}
