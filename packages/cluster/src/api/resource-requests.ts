// What the server does around the REST verbs for the real clients (kubectl, client-go, client-node):
// content negotiation (Table or object; protobuf bodies decoded), watch streams, paged lists, dryRun
// on a fork of the store, the /scale subresource and the CRDs. The verbs themselves are resource-handlers.ts.
import { ApiError, type KubeObject, kindKey, parseSelector, SelectorError } from "@testbed/apimachinery";
import type { Clock } from "@testbed/common";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ObjectStore } from "../store/object-store.js";
import { serveDefinitions } from "./custom-resource-definitions.js";
import { deleteOptionsDryRun, isDryRun } from "./dry-run.js";
import { parseFieldSelector } from "./field-selector.js";
import { expiredContinue, type PageRequest, pageOf, parsePageRequest } from "./list-pages.js";
import { isProtobuf, protobufBodyToJson } from "./protobuf-body.js";
import { handleResource } from "./resource-handlers.js";
import type { ResourcePath } from "./resource-path.js";
import { handleScale, isScalable } from "./scale.js";
import { negotiate, parseIncludeObject, type Rendering, toTable } from "./table-printing.js";
import { checkResourceVersion, isWatch, type WatchCache } from "./watch.js";

export interface ResourceContext {
  store: ObjectStore;
  watches: WatchCache;
  clock: Clock;
  /** When the API server started: the CRDs' creationTimestamp. */
  startedAt: string;
}

type Query = Record<string, string | string[] | undefined>;

export async function serveResource(
  context: ResourceContext,
  path: ResourcePath,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const query = request.query as Query;
  const rendering = negotiate(request.headers.accept);
  const fields = parseFieldSelector(path.info, single(query.fieldSelector));
  if (request.method === "GET" && path.name === undefined && isWatch(single(query.watch))) {
    return watch(context, path, query, rendering, reply, fields);
  }
  if (kindKey(path.info) === "apiextensions.k8s.io/CustomResourceDefinition") {
    const body = serveDefinitions(request.method, path.name, context.startedAt, context.store.resourceVersion);
    return reply.send(render(context, path, query, rendering, body));
  }
  // client-go writes built-in kinds as protobuf: decoded for the built-in kinds served, 415 for
  // custom resources; a DELETE's body (DeleteOptions) is not read.
  const protobuf = isProtobuf(request.headers["content-type"]);
  const body = !protobuf
    ? (request.body as string | undefined)
    : request.method === "DELETE"
      ? undefined
      : protobufBodyToJson(request.body as Buffer, path.info);
  const store =
    isDryRun(query.dryRun) || deleteOptionsDryRun(request.method, body) ? context.store.fork() : context.store;
  const contentType = protobuf ? "application/json" : request.headers["content-type"];
  const userAgent = request.headers["user-agent"];
  const listing = request.method === "GET" && path.name === undefined && !isScalable(path);
  const paging = listing ? parsePageRequest(flatten(query)) : undefined;
  const listedAt = paging ? await listedAtVersion(context, path, paging) : undefined;
  const result = isScalable(path)
    ? handleScale(store, { method: request.method, path, body, contentType })
    : handleResource(store, {
        method: request.method,
        path,
        query: flatten(query),
        body,
        contentType,
        fields,
        userAgent,
        listedAt: listedAt?.objects,
      });
  const answer =
    paging && listedAt
      ? pageOf(result.body as ListBody, paging, pageKey(path), listedAt.resourceVersion, isFiltered(query, fields))
      : result.body;
  const shown = request.method === "GET" ? render(context, path, query, rendering, answer) : answer;
  const warnings: string[] = "warnings" in result && Array.isArray(result.warnings) ? result.warnings : [];
  // One `299 - "<text>"` value per warning, as the apiserver's warning recorder writes them.
  if (warnings.length > 0)
    reply.header(
      "Warning",
      warnings.map((text) => `299 - ${JSON.stringify(text)}`),
    );
  return reply.code(result.status).send(shown);
}

type ListBody = Parameters<typeof pageOf>[0];

/**
 * The objects a page is cut from and the version they are read at: the first page's are the current
 * ones; a continued list's are those of the token's version (410 once it has left the window; -1,
 * the expired answer's token, goes on with the current ones).
 */
async function listedAtVersion(
  context: ResourceContext,
  path: ResourcePath,
  paging: PageRequest,
): Promise<{ objects?: readonly KubeObject[]; resourceVersion: number }> {
  const from = paging.from;
  if (from === undefined || from.resourceVersion === -1) {
    return { resourceVersion: Number(context.store.resourceVersion) };
  }
  await context.store.settled();
  const objects = context.watches.snapshot(kindKey(path.info), from.resourceVersion);
  if (objects === undefined) throw expiredContinue(from.startKey);
  return { objects, resourceVersion: from.resourceVersion };
}

/** The etcd key under the list's prefix: `namespace/name` across namespaces, `name` within one. */
function pageKey(path: ResourcePath): (object: KubeObject) => string {
  return (object) =>
    path.namespace === undefined && path.info.namespaced
      ? `${object.metadata.namespace}/${object.metadata.name}`
      : object.metadata.name;
}

/** remainingItemCount is only known when no selector filters the list. */
function isFiltered(query: Query, fields: ReturnType<typeof parseFieldSelector>): boolean {
  return (single(query.labelSelector) ?? "") !== "" || fields.length > 0;
}

function watch(
  context: ResourceContext,
  path: ResourcePath,
  query: Query,
  rendering: Rendering,
  reply: FastifyReply,
  fields: ReturnType<typeof parseFieldSelector>,
): unknown {
  const labels = labelSelector(single(query.labelSelector));
  const timeout = single(query.timeoutSeconds);
  const apiVersion = groupVersion(path);
  const present = (object: Parameters<typeof toTable>[0][number]) => {
    const served = { ...object, apiVersion };
    if (rendering.as !== "table") return served;
    return toTable([served], tableRequest(context, path, query, rendering.version));
  };
  checkResourceVersion(single(query.resourceVersion));
  reply.hijack();
  context.watches.serve(
    {
      path,
      labels,
      fields,
      resourceVersion: single(query.resourceVersion),
      timeoutSeconds: timeout === undefined || timeout === "" ? undefined : Math.max(0, Number(timeout) || 0),
      allowBookmarks: single(query.allowWatchBookmarks) === "true",
      sendInitialEvents: single(query.sendInitialEvents) === "true",
      present,
      bookmark: (resourceVersion, initialEventsEnd) => ({
        kind: path.info.kind,
        apiVersion,
        metadata: {
          resourceVersion,
          ...(initialEventsEnd ? { annotations: { "k8s.io/initial-events-end": "true" } } : {}),
        },
      }),
    },
    reply.raw,
    context.clock,
  );
  return reply;
}

/** A GET answer as the client asked for it: a Table, or the object/list itself. */
function render(
  context: ResourceContext,
  path: ResourcePath,
  query: Query,
  rendering: Rendering,
  body: unknown,
): unknown {
  if (rendering.as !== "table") return body;
  const value = body as { items?: Parameters<typeof toTable>[0]; metadata?: Record<string, unknown> };
  const request = tableRequest(context, path, query, rendering.version);
  if (Array.isArray(value.items)) return toTable(value.items, { ...request, listMeta: value.metadata });
  return toTable([body as Parameters<typeof toTable>[0][number]], request);
}

function tableRequest(context: ResourceContext, path: ResourcePath, query: Query, version: "v1" | "v1beta1") {
  return {
    info: path.info,
    version,
    includeObject: parseIncludeObject(single(query.includeObject)),
    now: context.clock.now(),
    objectApiVersion: groupVersion(path),
  };
}

function labelSelector(text: string | undefined) {
  try {
    return parseSelector(text);
  } catch (error) {
    if (error instanceof SelectorError) throw new ApiError("BadRequest", error.message);
    throw error;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function flatten(query: Query): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(query).map(([key, value]) => [key, single(value)]));
}

function groupVersion(path: ResourcePath): string {
  return path.info.group === "" ? path.version : `${path.info.group}/${path.version}`;
}
