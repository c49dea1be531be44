// Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, Warn when absent) of the custom
// resources that have a structural schema (crd-schemas/), as the apiextensions server does it:
// unknown fields are pruned from what is stored; Warn answers each as a `Warning` header
// (`unknown field "spec.foo"`, which kubectl prints as `Warning: unknown field "spec.foo"`), Strict
// refuses the write — a create or update with handlers/rest.go's transformDecodeError text, a patch
// with patch.go's Invalid on `patch`. The built-in kinds the protobuf table types (Deployment, Pod,
// Service, Secret…) are checked the same way, as their typed decoder reports unknown fields.
import { ApiError, invalid, type KindInfo, type KubeObject, kindKey } from "@testbed/apimachinery";
import { builtInObjectSchema } from "./built-in-schemas.js";
import { crdSchemaOf } from "./crd-schemas/crd-schemas.js";
import { pruned } from "./crd-schemas/unknown-fields.js";
import type { ResourcePath } from "./resource-path.js";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

/** The root fields a built-in kind's decoder reads apart (TypeMeta); metadata is typed and checked. */
const TYPE_META: ReadonlySet<string> = new Set(["apiVersion", "kind"]);

/**
 * The directive of a write's query; an unknown value is refused as ValidateFieldValidation refuses it,
 * under the write's options kind (CreateOptions, UpdateOptions, PatchOptions).
 */
export function fieldValidationOf(value: string | undefined, options: string): FieldValidation {
  if (value === undefined || value === "") return "Warn";
  if (value === "Strict" || value === "Warn" || value === "Ignore") return value;
  return invalidDirective(value, options);
}

function invalidDirective(value: string, options: string): never {
  throw invalid(`${options}.meta.k8s.io`, "", [
    {
      field: "fieldValidation",
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`,
      reason: "FieldValueNotSupported",
    },
  ]);
}

/** What a write stores and the warnings it answers with. */
export interface ValidatedWrite {
  object: KubeObject;
  warnings: string[];
}

/**
 * Prune the fields the kind's schema does not declare from a create/update body (`verb` "write") or
 * a patched object (`verb` "patch", `patched` its JSON as the request made it).
 */
export function validateFields(
  path: ResourcePath,
  object: KubeObject,
  directive: FieldValidation,
  verb: "write" | "patch",
): ValidatedWrite {
  const result = unknownFieldsOf(path.info, path.version, object);
  if (result === undefined) return { object, warnings: [] };
  const messages = result.unknown.map((field) => `unknown field "${field}"`);
  if (messages.length > 0 && directive === "Strict") throw strictError(path, object, messages, verb);
  return { object: result.value as KubeObject, warnings: directive === "Warn" ? messages : [] };
}

/**
 * `object` pruned by its kind's schema at `version` and the paths of the fields pruned, or undefined
 * for a kind with no schema to check against. A custom resource's apiVersion, kind and metadata are
 * the apiextensions server's own; a built-in kind's typed decoder reads its metadata too.
 */
export function unknownFieldsOf(
  info: Pick<KindInfo, "group" | "kind">,
  version: string,
  object: unknown,
): { value: unknown; unknown: string[] } | undefined {
  const custom = crdSchemaOf(kindKey(info), version);
  if (custom) return pruned(custom, object);
  const builtIn = builtInObjectSchema(info.group, info.kind);
  return builtIn ? pruned(builtIn, object, TYPE_META) : undefined;
}

function strictError(path: ResourcePath, object: KubeObject, messages: string[], verb: "write" | "patch"): ApiError {
  const decoding = `strict decoding error: ${messages.join(", ")}`;
  if (verb === "write") {
    const kind = path.info.kind;
    return new ApiError(
      "BadRequest",
      `${kind} in version "${path.version}" cannot be handled as a ${kind}: ${decoding}`,
    );
  }
  return invalid("", "", [
    {
      field: "patch",
      message: `Invalid value: ${JSON.stringify(JSON.stringify(object))}: ${decoding}`,
      reason: "FieldValueInvalid",
    },
  ]);
}
