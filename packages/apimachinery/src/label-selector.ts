// Label selectors in both of Kubernetes' forms: the string form `oc get -l` takes
// (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) and the object form (`matchLabels` / `matchExpressions`).

/** One requirement of a selector, with the object form's operators (`a=b` is `a In (b)`). */
export interface Requirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: string[];
}

export type LabelSelector = Requirement[];

export class SelectorError extends Error {}

export function parseSelector(text: string | undefined): LabelSelector {
  if (!text || text.trim() === "") return [];
  return splitTopLevel(text).map(parseRequirement);
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else current += char;
  }
  if (current.trim() !== "") parts.push(current.trim());
  return parts;
}

function parseRequirement(part: string): Requirement {
  const set = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (set?.[1] && set[2] && set[3] !== undefined) {
    const values = set[3]
      .split(",")
      .map((v) => v.trim())
      .filter((v) => v !== "");
    return { key: set[1], operator: set[2] === "in" ? "In" : "NotIn", values };
  }
  const inequality = /^([^\s!=]+)\s*!=\s*(\S*)$/.exec(part);
  if (inequality?.[1]) return { key: inequality[1], operator: "NotIn", values: [inequality[2] ?? ""] };
  const equality = /^([^\s!=]+)\s*==?\s*(\S*)$/.exec(part);
  if (equality?.[1]) return { key: equality[1], operator: "In", values: [equality[2] ?? ""] };
  const absent = /^!\s*([^\s!=]+)$/.exec(part);
  if (absent?.[1]) return { key: absent[1], operator: "DoesNotExist", values: [] };
  if (/^[^\s!=(),]+$/.test(part)) return { key: part, operator: "Exists", values: [] };
  throw new SelectorError(`unable to parse requirement: ${JSON.stringify(part)}`);
}

/** `{matchLabels, matchExpressions}` or a plain label map (InferencePool v1alpha2's selector). */
export function selectorFromObject(object: unknown): LabelSelector {
  if (!object || typeof object !== "object") return [];
  const record = object as Record<string, unknown>;
  const isStructured = "matchLabels" in record || "matchExpressions" in record;
  const labels = (isStructured ? record.matchLabels : record) as Record<string, string> | undefined;
  const requirements: LabelSelector = Object.entries(labels ?? {}).map(([key, value]) => ({
    key,
    operator: "In",
    values: [String(value)],
  }));
  const expressions = (isStructured ? record.matchExpressions : undefined) as Requirement[] | undefined;
  for (const expression of expressions ?? []) {
    requirements.push({ key: expression.key, operator: expression.operator, values: expression.values ?? [] });
  }
  return requirements;
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const have = labels ?? {};
  return selector.every((requirement) => {
    const present = Object.hasOwn(have, requirement.key);
    const value = have[requirement.key];
    switch (requirement.operator) {
      case "In":
        return present && requirement.values.includes(value ?? "");
      case "NotIn":
        return !present || !requirement.values.includes(value ?? "");
      case "Exists":
        return present;
      default:
        return !present;
    }
  });
}
