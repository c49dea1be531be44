// Kubernetes' REST paths → what they address:
// `/api/v1/namespaces/{ns}/pods/{name}/log`, `/apis/{group}/{version}/{plural}`, …
import { ApiError, KINDS, type KindInfo, pathSegmentProblems } from "@testbed/apimachinery";

export interface ResourcePath {
  info: KindInfo;
  version: string;
  /** Undefined for cluster-scoped kinds and for lists across all namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type ApiPath =
  | { type: "resource"; path: ResourcePath }
  | { type: "group"; group: string; version: string }
  | { type: "unknown" };

export function parseApiPath(pathname: string): ApiPath {
  const segments = pathname
    .split("/")
    .filter((s) => s !== "")
    .map(decodeSegment);
  let group: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 2) {
    group = "";
    rest = segments.slice(1);
  } else if (segments[0] === "apis" && segments.length >= 3) {
    group = segments[1] as string;
    rest = segments.slice(2);
  } else return { type: "unknown" };
  const version = rest[0] as string;
  const parts = rest.slice(1);
  if (parts.length === 0) return { type: "group", group, version };
  const served = (plural: string | undefined) =>
    KINDS.find((k) => k.group === group && k.plural === plural && k.versions.includes(version));
  const namespaced = parts[0] === "namespaces" && parts.length >= 3 ? served(parts[2]) : undefined;
  if (namespaced?.namespaced) {
    if (parts.length > 5) return { type: "unknown" };
    checkSegment("Namespace", parts[1]);
    checkSegment("Name", parts[3]);
    return {
      type: "resource",
      path: { info: namespaced, version, namespace: parts[1], name: parts[3], subresource: parts[4] },
    };
  }
  const info = served(parts[0]);
  if (!info || parts.length > 3) return { type: "unknown" };
  checkSegment("Name", parts[1]);
  return { type: "resource", path: { info, version, name: parts[1], subresource: parts[2] } };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError("BadRequest", `invalid URL escape in path segment: ${JSON.stringify(segment)}`);
  }
}

/** `.`, `..`, `/` and `%` can never be a name (registry NamespaceKeyFunc: IsValidPathSegmentName). */
function checkSegment(what: "Name" | "Namespace", value: string | undefined): void {
  if (value === undefined) return;
  const problems = pathSegmentProblems(value);
  if (problems.length > 0) {
    throw new ApiError("BadRequest", `${what} parameter invalid: ${JSON.stringify(value)}: ${problems.join(";")}`);
  }
}

/** Where a kind's collection lives (what `oc` requests). */
export function collectionPath(info: KindInfo, namespace: string | undefined): string {
  const base = info.group === "" ? `/api/${info.versions[0]}` : `/apis/${info.group}/${info.versions[0]}`;
  const scope = info.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${scope}/${info.plural}`;
}

export function objectPath(info: KindInfo, namespace: string | undefined, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(
    "MethodNotAllowed",
    `the server does not allow this method on the requested resource (${method})`,
  );
}
