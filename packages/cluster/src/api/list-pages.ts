// Chunked lists (`?limit=N`, then `?continue=<token>`), as kube-apiserver's etcd3 store serves them:
// items in key order (`namespace/name` across namespaces, `name` within one), a page of at most N
// with a continue token when more remain, remainingItemCount when no selector filters, and every
// page of one list read at the first page's resourceVersion. The token is the real one
// (k8s.io/apiserver storage/continue.go: base64url JSON {"v":"meta.k8s.io/v1","rv":…,"start":…}, the
// start key being the last key + "\x00"); a token whose version has left the watch window is the 410
// etcd's compaction gives, carrying a token that continues at the current version.
import { ApiError, type KubeObject } from "@testbed/apimachinery";

/** What a list request asks about paging. */
export interface PageRequest {
  limit: number;
  /** From `?continue=`: where the previous page ended and the version the list is read at (-1: now). */
  from?: { startKey: string; resourceVersion: number };
}

interface ListBody {
  metadata?: Record<string, unknown>;
  items?: KubeObject[];
}

const TOKEN_VERSION = "meta.k8s.io/v1";

/**
 * limit and continue of a list request. With resourceVersion=0 the watch cache answers and ignores
 * limit, as the real one does; a continue token comes with no resourceVersion.
 */
export function parsePageRequest(query: Record<string, string | undefined>): PageRequest | undefined {
  const token = query.continue ?? "";
  const limit = Number.parseInt(query.limit ?? "", 10);
  if (token === "") {
    if (!(limit > 0) || query.resourceVersion === "0") return undefined;
    return { limit };
  }
  if ((query.resourceVersion ?? "") !== "") {
    throw new ApiError(
      "Invalid",
      'ListOptions.meta.k8s.io "" is invalid: resourceVersion: Forbidden: specifying resource version is not allowed when using continue',
    );
  }
  return { limit: Number.isFinite(limit) ? Math.max(0, limit) : 0, from: decodeContinue(token) };
}

/** One page of a list answer (already filtered by the selectors), read at `resourceVersion`. */
export function pageOf(
  body: ListBody,
  request: PageRequest,
  keyOf: (object: KubeObject) => string,
  resourceVersion: number,
  filtered: boolean,
): ListBody {
  const startKey = request.from?.startKey ?? "";
  const ordered = (body.items ?? [])
    .map((object) => ({ key: keyOf(object), object }))
    .filter(({ key }) => key >= startKey)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const page = request.limit > 0 ? ordered.slice(0, request.limit) : ordered;
  const rest = ordered.length - page.length;
  const metadata: Record<string, unknown> = { ...body.metadata, resourceVersion: String(resourceVersion) };
  const last = page.at(-1);
  if (rest > 0 && last) {
    metadata.continue = encodeContinue(`${last.key}\u0000`, resourceVersion);
    if (!filtered) metadata.remainingItemCount = rest;
  }
  return { ...body, metadata, items: page.map(({ object }) => object) };
}

/** The 410 of a continue token whose version is gone, with a token to go on at the current version. */
export function expiredContinue(startKey: string): ApiError {
  const token = encodeContinue(startKey, -1);
  const error = new ApiError(
    "Expired",
    "The provided continue parameter is too old to display a consistent list result. You can start a new list " +
      "without the continue parameter, or use the continue token in this response to retrieve the remainder of the " +
      "results. Continuing with the provided token results in an inconsistent list - objects that were created, " +
      "modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  );
  const status = error.toStatus.bind(error);
  error.toStatus = () => ({ ...status(), metadata: { continue: token } });
  return error;
}

function encodeContinue(startKey: string, resourceVersion: number): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, rv: resourceVersion, start: startKey })).toString("base64url");
}

/** storage.DecodeContinue: its checks and messages, wrapped as the etcd3 store's 400. */
function decodeContinue(token: string): { startKey: string; resourceVersion: number } {
  const invalid = (reason: string) => new ApiError("BadRequest", `invalid continue token: ${reason}`);
  if (!/^[A-Za-z0-9_-]*$/.test(token)) throw invalid("continue key is not valid: illegal base64 data");
  let parsed: { v?: unknown; rv?: unknown; start?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch (error) {
    throw invalid(`continue key is not valid: ${(error as Error).message}`);
  }
  if (parsed.v !== TOKEN_VERSION)
    throw invalid(
      `continue key is not valid: server does not recognize this encoded version ${String(parsed.v ?? "")}`,
    );
  const resourceVersion = Number(parsed.rv ?? 0);
  if (!Number.isInteger(resourceVersion) || resourceVersion === 0)
    throw invalid("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  const startKey = typeof parsed.start === "string" ? parsed.start : "";
  if (startKey === "") throw invalid("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)");
  // path.Clean of "/" + start must leave it as it is: a key cannot climb out of the resource's prefix.
  if (!isClean(startKey)) throw invalid(`continue key is not valid: ${startKey}`);
  return { startKey, resourceVersion };
}

function isClean(key: string): boolean {
  const segments = key.replace(/^\//, "").split("/");
  return !key.includes("//") && !segments.some((segment) => segment === "." || segment === "..");
}
