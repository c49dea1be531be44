// A compact notation for the custom resources' structural schemas, so each group's tables read
// like the real CRD's field tree: a key ending in `!` is required, `"int32=1"` carries a default,
// `"enum:A|B"` an enum, `[x]` is a list of x, `{ "*": x }` a map of x, `{ "...": "open" }` keeps
// unknown fields (x-kubernetes-preserve-unknown-fields), "open" is an object kept open and "any"
// a value of any type.

/** One field: a scalar notation, a nested object, or a list of one element type. */
export type Field = string | Fields | readonly [Field];
/** The fields of an object, by JSON name (`name!` when required). */
export interface Fields {
  readonly [name: string]: Field;
}

export type Schema = Record<string, unknown>;

const SCALARS: Readonly<Record<string, Schema>> = {
  string: { type: "string" },
  integer: { type: "integer" },
  int32: { type: "integer", format: "int32" },
  int64: { type: "integer", format: "int64" },
  boolean: { type: "boolean" },
  number: { type: "number" },
  "date-time": { type: "string", format: "date-time" },
  "int-or-string": { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
  map: { type: "object", additionalProperties: { type: "string" } },
  open: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
  any: { "x-kubernetes-preserve-unknown-fields": true },
};

/** The openAPIV3Schema of a notation. */
export function structural(field: Field): Schema {
  if (typeof field === "string") return scalar(field);
  if (Array.isArray(field)) return { type: "array", items: structural(field[0] as Field) };
  return object(field as Fields);
}

function scalar(notation: string): Schema {
  const equals = notation.indexOf("=");
  const base = equals < 0 ? notation : notation.slice(0, equals);
  const fallback = equals < 0 ? undefined : notation.slice(equals + 1);
  const schema: Schema = base.startsWith("enum:")
    ? { type: "string", enum: base.slice("enum:".length).split("|") }
    : { ...(SCALARS[base] ?? unknownNotation(notation)) };
  if (fallback !== undefined) schema.default = schema.type === "integer" ? Number(fallback) : fallback;
  return schema;
}

function object(fields: Fields): Schema {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const schema: Schema = { type: "object" };
  for (const [key, field] of Object.entries(fields)) {
    if (key === "...") {
      schema["x-kubernetes-preserve-unknown-fields"] = true;
    } else if (key === "*") {
      schema.additionalProperties = structural(field);
    } else {
      const name = key.endsWith("!") ? key.slice(0, -1) : key;
      if (name !== key) required.push(name);
      properties[name] = structural(field);
    }
  }
  if (Object.keys(properties).length > 0) schema.properties = properties;
  if (required.length > 0) schema.required = required;
  return schema;
}

function unknownNotation(notation: string): never {
  throw new Error(`schema notation: unknown field type ${JSON.stringify(notation)}`);
}

/** A kind's root schema: apiVersion, kind, metadata, and its own spec/status. */
export function kindSchema(top: Fields): Schema {
  return structural({ apiVersion: "string", kind: "string", metadata: {}, ...top });
}

/** metav1.Condition, as every group here reports it. */
export const CONDITION: Fields = {
  "lastTransitionTime!": "date-time",
  "message!": "string",
  observedGeneration: "int64",
  "reason!": "string",
  "status!": "enum:True|False|Unknown",
  "type!": "string",
};

/** metav1.LabelSelector. */
export const LABEL_SELECTOR: Fields = {
  matchExpressions: [{ "key!": "string", "operator!": "string", values: ["string"] }],
  matchLabels: "map",
};
