// `?fieldSelector=`: the fields each kind lets a client select on (the field label conversion
// functions the real API server registers per kind), the `a=b,c!=d` syntax of
// k8s.io/apimachinery/pkg/fields, and the real server's 400 answers for anything else.
import { ApiError, type KindInfo, type KubeObject, kindKey } from "@testbed/apimachinery";

export interface FieldRequirement {
  field: string;
  value: string;
  negated: boolean;
}

export type FieldSelector = FieldRequirement[];

type FieldValue = (object: KubeObject) => string;

const str = (value: unknown): string => (value === undefined || value === null ? "" : String(value));

const META_FIELDS: Record<string, FieldValue> = {
  "metadata.name": (o) => o.metadata.name,
  "metadata.namespace": (o) => str(o.metadata.namespace),
};

const involved =
  (field: string): FieldValue =>
  (o) =>
    str((o.involvedObject as Record<string, unknown>)?.[field]);

/** pkg/registry/core/{pod,event,secret,namespace}/strategy.go and apps/replicaset: the selectable fields. */
const KIND_FIELDS: Record<string, Record<string, FieldValue>> = {
  Pod: {
    "spec.nodeName": (o) => str(o.spec?.nodeName),
    "spec.restartPolicy": (o) => str(o.spec?.restartPolicy),
    "spec.schedulerName": (o) => str(o.spec?.schedulerName),
    "spec.serviceAccountName": (o) => str(o.spec?.serviceAccountName),
    "spec.hostNetwork": (o) => String(o.spec?.hostNetwork === true),
    "status.phase": (o) => str(o.status?.phase),
    "status.podIP": (o) => str(o.status?.podIP),
    "status.nominatedNodeName": (o) => str(o.status?.nominatedNodeName),
  },
  Event: {
    "involvedObject.kind": involved("kind"),
    "involvedObject.namespace": involved("namespace"),
    "involvedObject.name": involved("name"),
    "involvedObject.uid": involved("uid"),
    "involvedObject.apiVersion": involved("apiVersion"),
    "involvedObject.resourceVersion": involved("resourceVersion"),
    "involvedObject.fieldPath": involved("fieldPath"),
    reason: (o) => str(o.reason),
    reportingComponent: (o) => str(o.reportingComponent),
    source: (o) => str((o.source as { component?: string } | undefined)?.component),
    type: (o) => str(o.type),
  },
  Secret: { type: (o) => str(o.type) },
  Namespace: { "status.phase": (o) => str(o.status?.phase ?? "Active") },
  "apps/ReplicaSet": { "status.replicas": (o) => str(o.status?.replicas ?? 0) },
};

/** Kinds served by the apiextensions server (CRDs) answer unknown fields in their own words. */
const BUILTIN_GROUPS = new Set(["", "apps"]);

/** Parse and check a fieldSelector against what the kind supports (400 like the real server). */
export function parseFieldSelector(info: KindInfo, text: string | undefined): FieldSelector {
  if (text === undefined || text.trim() === "") return [];
  const fields = { ...META_FIELDS, ...(KIND_FIELDS[kindKey(info)] ?? {}) };
  return splitTerms(text).map((term) => {
    const requirement = parseTerm(term);
    if (!(requirement.field in fields)) throw unsupported(info, requirement.field);
    return requirement;
  });
}

export function matchesFields(info: KindInfo, selector: FieldSelector, object: KubeObject): boolean {
  if (selector.length === 0) return true;
  const fields = { ...META_FIELDS, ...(KIND_FIELDS[kindKey(info)] ?? {}) };
  return selector.every((requirement) => {
    const read = fields[requirement.field];
    const actual = read ? read(object) : "";
    return requirement.negated ? actual !== requirement.value : actual === requirement.value;
  });
}

/** `metadata.name=x` — the single object a list-then-watch (`kubectl wait`, `rollout status`) follows. */
export function selectedName(selector: FieldSelector): string | undefined {
  return selector.find((r) => r.field === "metadata.name" && !r.negated)?.value;
}

function unsupported(info: KindInfo, field: string): ApiError {
  if (BUILTIN_GROUPS.has(info.group)) return new ApiError("BadRequest", `field label not supported: ${field}`);
  return new ApiError(
    "BadRequest",
    `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
  );
}

/** Terms split on unescaped commas (fields.ParseSelector). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === "\\" && i + 1 < text.length) {
      current += char + (text[i + 1] as string);
      i++;
    } else if (char === ",") {
      terms.push(current);
      current = "";
    } else current += char;
  }
  terms.push(current);
  return terms;
}

function parseTerm(term: string): FieldRequirement {
  for (const [operator, negated] of [
    ["!=", true],
    ["==", false],
    ["=", false],
  ] as const) {
    const at = term.indexOf(operator);
    if (at > 0) {
      return { field: term.slice(0, at).trim(), value: unescapeValue(term.slice(at + operator.length)), negated };
    }
  }
  throw new ApiError(
    "BadRequest",
    `invalid field selector: 'fieldSelector': invalid selector: '${term}'; can't understand '${term}'`,
  );
}

function unescapeValue(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}
