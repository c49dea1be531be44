// Authentication of the API server: one bearer token, the one `testbed up` writes into the
// kubeconfig. A request without it is answered 401 as kube-apiserver answers with anonymous
// authentication off. The health and version endpoints stay open, as the real server's
// system:public-info-viewer role leaves them (and `testbed up` probes /version to find a running testbed).
import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { ApiError } from "@testbed/apimachinery";

const PUBLIC_PATHS = new Set(["/version", "/healthz", "/livez", "/readyz"]);

/** The 401 Status kube-apiserver sends (its message is the bare reason). */
export function unauthorized(): ApiError {
  return new ApiError("Unauthorized", "Unauthorized");
}

/** Whether a request may proceed: no token configured, a public path, or `Authorization: Bearer <token>`. */
export function isAuthorized(token: string | undefined, url: string, headers: IncomingHttpHeaders): boolean {
  if (token === undefined) return true;
  const pathname = url.split("?")[0] ?? "";
  if (PUBLIC_PATHS.has(pathname.replace(/\/+$/, "") || "/")) return true;
  return sameToken(bearerOf(headers), token);
}

/**
 * The token of an `Authorization: Bearer` header, or of the WebSocket subprotocol
 * `base64url.bearer.authorization.k8s.io.<token>` browsers use (they cannot set headers on a WebSocket).
 */
function bearerOf(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match) return match[1];
  const protocols = String(headers["sec-websocket-protocol"] ?? "").split(",");
  const prefix = "base64url.bearer.authorization.k8s.io.";
  const carried = protocols.map((p) => p.trim()).find((p) => p.startsWith(prefix));
  return carried ? Buffer.from(carried.slice(prefix.length), "base64url").toString("utf8") : undefined;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
