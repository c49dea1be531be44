// The workshop page's server: the built front end, and a small JSON/SSE API over the running
// testbed. Requests for data are answered on demand; the live stream (live-hub.ts) is the only
// thing that samples, and only while a page is connected.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { podTargets } from "./cluster-roles.js";
import { routeExtProcs } from "./ext-proc-routes.js";
import { LiveHub } from "./live-hub.js";
import { objectDetail } from "./object-detail.js";
import type { RouteExtProc } from "./page-types.js";
import type { WebSources } from "./sources.js";
import { staticFile } from "./static-files.js";
import { buildTopology, COLUMNS } from "./topology.js";
import { fetchTrace } from "./trace-proxy.js";

export interface WebServerOptions {
  sources: WebSources;
  /** Default 127.0.0.1: the page shows Secrets' names and the cluster's config; it stays on this machine. */
  host?: string;
  /** 0 = any free port. */
  port: number;
  /** Where the built front end is (default: the package's dist/public). */
  publicDir?: string;
}

export interface WebServerHandle {
  url: string;
  hub: LiveHub;
  close(): Promise<void>;
}

/** Listen and serve the page; resolves once listening. */
export async function startWebServer(options: WebServerOptions): Promise<WebServerHandle> {
  const hub = new LiveHub(options.sources);
  const server = createServer((request, response) => {
    handle(request, response, options, hub).catch((error: unknown) => {
      if (!response.headersSent) json(response, 500, { error: (error as Error).message });
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: options.host ?? "127.0.0.1", port: options.port }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    hub,
    async close() {
      hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: WebServerOptions,
  hub: LiveHub,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://page");
  if (request.method !== "GET" && request.method !== "HEAD") {
    json(response, 405, { error: `${request.method} is not allowed: the page only reads` });
    return;
  }
  const { sources } = options;
  switch (url.pathname) {
    case "/api/topology":
      json(response, 200, {
        columns: COLUMNS,
        ...buildTopology(sources.store.all()),
        extProc: await extProcByRoute(sources),
      });
      return;
    case "/api/object": {
      const detail = objectDetail(sources.store, url.searchParams.get("id") ?? "");
      if (detail) json(response, 200, detail);
      else json(response, 404, { error: `no object ${url.searchParams.get("id") ?? ""}` });
      return;
    }
    case "/api/state":
      json(response, 200, hub.stateLine());
      return;
    case "/api/stream":
      hub.connect(response);
      return;
  }
  if (url.pathname === "/api/traces" || url.pathname.startsWith("/api/traces/")) {
    const id = decodeURIComponent(url.pathname.slice("/api/traces/".length));
    const answer = await fetchTrace(sources, id, url.searchParams.get("last"));
    json(response, answer.status, answer.body);
    return;
  }
  const file = await staticFile(url.pathname, options.publicDir);
  if (!file) {
    json(response, 404, { error: `no such page: ${url.pathname}` });
    return;
  }
  response.writeHead(200, { "content-type": file.contentType, "content-length": file.body.length });
  response.end(request.method === "HEAD" ? undefined : file.body);
}

/** Each gateway's routes with their effective ext_proc settings, from the gateways' own /config_dump. */
async function extProcByRoute(sources: WebSources): Promise<RouteExtProc[]> {
  const gateways = podTargets(sources.store.peekList("Pod")).filter((t) => t.kind === "gateway");
  const dumps = await Promise.all(
    gateways.map((g) =>
      sources
        .fetchText(g.url.replace(/\/clusters$/, "/config_dump"))
        .then((text) => routeExtProcs(g.role, JSON.parse(text), sources.envoyVersion))
        .catch(() => []),
    ),
  );
  return dumps.flat();
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  response.end(text);
}
