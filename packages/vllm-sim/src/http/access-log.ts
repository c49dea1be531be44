import type { FastifyRequest } from "fastify";
import type { ModelServer } from "../model-server.js";

/** One uvicorn access line per request, as `oc logs` on a vLLM pod shows. */
export function logAccess(server: ModelServer, request: FastifyRequest, status: number): void {
  const address = `${request.socket.remoteAddress ?? "-"}:${request.socket.remotePort ?? 0}`;
  server.log.access(address, request.method, request.url, status, STATUS_TEXT[status] ?? "");
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};
