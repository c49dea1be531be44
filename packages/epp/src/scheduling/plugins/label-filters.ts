// Filters on pod labels. prefill-filter and decode-filter read llm-d's `llm-d.ai/role`;
// by-label keeps pods whose label has one of `validValues`; by-label-selector applies a
// Kubernetes label selector (matchLabels, matchExpressions).
import type { Endpoint } from "../../datastore/endpoint.js";
import { FieldError } from "../config/config-error.js";
import type { Filter } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/** llm-d's pod role label (prefill or decode). */
export const ROLE_LABEL = "llm-d.ai/role";

function labelFilter(type: string, name: string, keep: (endpoint: Endpoint) => boolean): Filter {
  return { type, name, filter: (_cycle, _request, endpoints) => endpoints.filter(keep) };
}

export const prefillFilter: PluginDefinition = {
  type: "prefill-filter",
  create(name, parameters) {
    parameters.done();
    return labelFilter("prefill-filter", name, (e) =>
      ["prefill", "prefill-decode", "both"].includes(e.labels[ROLE_LABEL] ?? ""),
    );
  },
};

export const decodeFilter: PluginDefinition = {
  type: "decode-filter",
  create(name, parameters) {
    parameters.done();
    return labelFilter("decode-filter", name, (e) => {
      const role = e.labels[ROLE_LABEL];
      return role === undefined || ["decode", "prefill-decode", "both"].includes(role);
    });
  },
};

export const byLabel: PluginDefinition = {
  type: "by-label",
  create(name, parameters) {
    const label = parameters.string("label", "");
    const validValues = parameters.stringList("validValues", []);
    const allowsNoLabel = parameters.boolean("allowsNoLabel", false);
    parameters.done();
    if (label === "") throw new FieldError("parameters.label", "is required");
    return labelFilter("by-label", name, (e) => {
      const value = e.labels[label];
      return value === undefined ? allowsNoLabel : validValues.includes(value);
    });
  },
};

interface Requirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values: string[];
}

export const byLabelSelector: PluginDefinition = {
  type: "by-label-selector",
  create(name, parameters) {
    const matchLabels = (parameters.object("matchLabels") ?? {}) as Record<string, string>;
    const rawExpressions = parameters.list("matchExpressions");
    parameters.done();
    const expressions = readExpressions(rawExpressions);
    return labelFilter("by-label-selector", name, (e) => {
      for (const [key, value] of Object.entries(matchLabels)) if (e.labels[key] !== String(value)) return false;
      return expressions.every((requirement) => matches(requirement, e.labels));
    });
  },
};

function readExpressions(raw: unknown): Requirement[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new FieldError("parameters.matchExpressions", "must be a list");
  return raw.map((item, index) => {
    const requirement = item as Partial<Requirement>;
    if (!requirement.key || !["In", "NotIn", "Exists", "DoesNotExist"].includes(String(requirement.operator))) {
      throw new FieldError(
        `parameters.matchExpressions[${index}]`,
        "needs key and operator In, NotIn, Exists or DoesNotExist",
      );
    }
    return {
      key: requirement.key,
      operator: requirement.operator as Requirement["operator"],
      values: requirement.values ?? [],
    };
  });
}

function matches(requirement: Requirement, labels: Record<string, string>): boolean {
  const value = labels[requirement.key];
  switch (requirement.operator) {
    case "In":
      return value !== undefined && requirement.values.includes(value);
    case "NotIn":
      return value === undefined || !requirement.values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
  }
}
