// The testbed's trace endpoint: `GET /api/traces?last=N` or `?id=X` → merged traces as JSON
// (TracesResponse). `testbed up` starts it on loopback and records its URL in the server file;
// `testbed trace` and the web page read it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TraceCollector } from "./trace-collector.js";
import { jsonError, parseTraceQuery, type TraceAnswer } from "./trace-parts-endpoint.js";

export const TRACES_PATH = "/api/traces";

export interface TraceServerOptions {
  collector: TraceCollector;
  host?: string;
  port?: number;
  /** The bearer token a reader must present (the API server's), when set. */
  token?: string;
}

export interface TraceServerHandle {
  /** Base URL, e.g. http://127.0.0.1:40123; the traces are at `${url}/api/traces`. */
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startTraceServer(options: TraceServerOptions): Promise<TraceServerHandle> {
  const server = createServer((request, response) => {
    answer(options, request).then(
      (reply) => send(response, reply),
      (error: Error) => send(response, jsonError(500, error.message)),
    );
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(options: TraceServerOptions, request: IncomingMessage): Promise<TraceAnswer> {
  const url = new URL(request.url ?? "/", "http://testbed");
  if (url.pathname !== TRACES_PATH) return jsonError(404, `no such path ${url.pathname}; traces are at ${TRACES_PATH}`);
  if (request.method !== "GET") return jsonError(405, `method ${request.method} not allowed on ${TRACES_PATH}`);
  if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`)
    return jsonError(401, "a bearer token is required: the one in the testbed's server file");
  const query = parseTraceQuery(url.searchParams);
  if (typeof query === "string") return jsonError(400, query);
  const traces = await options.collector.collect(query);
  return { status: 200, contentType: "application/json", body: JSON.stringify(traces) };
}

function send(response: ServerResponse, reply: TraceAnswer): void {
  response.writeHead(reply.status, { "content-type": reply.contentType }).end(reply.body);
}
