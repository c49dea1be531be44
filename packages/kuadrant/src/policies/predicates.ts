// The `when` predicates Kuadrant policies use (CEL), in the form RHOAI's MaaS policies write them:
// comparisons of an `auth.identity.*` (or `request.*`) attribute with a string, joined by `&&`.
// `auth.identity.tier == "free" && request.path != "/health"`.

/** One comparison of an attribute with a string literal. */
export interface Comparison {
  attribute: string;
  operator: "==" | "!=";
  value: string;
}

export class PredicateError extends Error {}

const COMPARISON = /^\s*([A-Za-z_][\w.]*)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)')\s*$/;

export function parsePredicate(predicate: string, path: string): Comparison[] {
  return predicate.split("&&").map((part) => {
    const match = COMPARISON.exec(part);
    if (!match)
      throw new PredicateError(
        `${path}: cannot translate predicate ${JSON.stringify(predicate)}; supported: attribute == "value" joined by &&`,
      );
    return { attribute: match[1] as string, operator: match[2] as "==" | "!=", value: match[3] ?? match[4] ?? "" };
  });
}
