// The HTTP upgrades of the API server: `pods/exec`, `pods/attach` and `pods/portforward` over
// WebSocket. Checks run before the upgrade, so a client that is not let in, names a missing pod or
// container, or offers no protocol we speak gets a plain HTTP Status (what kubectl prints), never a
// half-open socket.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError, type KubeObject } from "@testbed/apimachinery";
import { createWebSocketStream, WebSocketServer } from "ws";
import type { ObjectStore } from "../store/object-store.js";
import { isAuthorized, unauthorized } from "./bearer-auth.js";
import { ChannelSocket, chooseProtocol, REMOTE_COMMAND_PROTOCOLS } from "./channel-protocol.js";
import { streamAttach, streamExec, streamOptionsOf } from "./exec-stream.js";
import type { PodAccess } from "./pod-access.js";
import { requirePodAccess, resolveContainer } from "./pod-handlers.js";
import { PORT_FORWARD_PROTOCOLS, parsePorts, streamPortForward } from "./port-forward.js";
import { parseApiPath } from "./resource-path.js";
import { runShell, shellInvocation } from "./shell-session.js";
import { SPDY_PORT_FORWARD_PROTOCOL, serveSpdyPortForward } from "./spdy-port-forward.js";

export interface PodStreamOptions {
  store: ObjectStore;
  podAccess?: PodAccess;
  token?: string;
}

type Subresource = "exec" | "attach" | "portforward";

/** The `upgrade` listener for the API server's HTTP server; returns it with a close that ends open streams. */
export function podStreamUpgrades(options: PodStreamOptions): {
  onUpgrade: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
  close: () => void;
} {
  // The subprotocol each upgrade chose during its checks, for the handshake to answer with.
  const chosen = new WeakMap<IncomingMessage, string>();
  const server = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, request) => chosen.get(request) ?? false,
  });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    try {
      accept(server, chosen, options, request, socket, head);
    } catch (error) {
      refuse(socket, error);
    }
  };
  const close = () => {
    for (const client of server.clients) client.terminate();
    server.close();
  };
  return { onUpgrade, close };
}

function accept(
  server: WebSocketServer,
  chosen: WeakMap<IncomingMessage, string>,
  options: PodStreamOptions,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  if (!isAuthorized(options.token, request.url ?? "/", request.headers)) throw unauthorized();
  const url = new URL(request.url ?? "/", "http://api");
  const target = parseApiPath(url.pathname);
  const subresource = target.type === "resource" ? target.path.subresource : undefined;
  if (target.type !== "resource" || target.path.info.kind !== "Pod" || !isStream(subresource)) {
    throw new ApiError("NotFound", "the server could not find the requested resource");
  }
  const namespace = target.path.namespace as string;
  const pod = options.store.require("Pod", namespace, target.path.name as string);
  const access = requirePodAccess(options.podAccess);
  const upgrade = (request.headers.upgrade ?? "").toLowerCase();
  if (subresource === "portforward") {
    if (upgrade === "spdy/3.1") {
      acceptSpdy(request, socket, head, pod);
      return;
    }
    const protocol = negotiate(request, [SPDY_PORT_FORWARD_PROTOCOL, ...PORT_FORWARD_PROTOCOLS]);
    // The SPDY tunnel carries its ports in stream headers; the channel protocols in the query.
    const ports = protocol === SPDY_PORT_FORWARD_PROTOCOL ? [] : parsePorts(url.searchParams);
    requireWebSocket(upgrade);
    chosen.set(request, protocol);
    // "SPDY/3.1+portforward.k8s.io" is no RFC 6455 token ('/'), which ws refuses to parse; the
    // answer names it all the same (handleProtocols reads `chosen`).
    request.headers["sec-websocket-protocol"] = "portforward";
    server.handleUpgrade(request, socket, head, (ws) => {
      if (protocol === SPDY_PORT_FORWARD_PROTOCOL) serveSpdyPortForward(createWebSocketStream(ws), pod);
      else streamPortForward(new ChannelSocket(ws, protocol), pod, ports);
    });
    return;
  }
  const stream = {
    namespace,
    pod: pod.metadata.name,
    container: resolveContainer(
      options.store,
      namespace,
      pod.metadata.name,
      url.searchParams.get("container") ?? undefined,
    ),
  };
  const command = url.searchParams.getAll("command");
  if (subresource === "exec" && command.length === 0) {
    throw new ApiError("BadRequest", "you must specify at least one command for the container");
  }
  requireWebSocket(upgrade);
  const protocol = negotiate(request, REMOTE_COMMAND_PROTOCOLS);
  chosen.set(request, protocol);
  const streams = streamOptionsOf(url.searchParams);
  server.handleUpgrade(request, socket, head, (ws) => {
    const channels = new ChannelSocket(ws, protocol);
    const shell = subresource === "exec" ? shellInvocation(command) : undefined;
    if (shell && (shell.script !== undefined || streams.stdin))
      runShell(channels, access, stream, command, streams, shell.script);
    else if (subresource === "exec") void streamExec(channels, access, stream, command, streams);
    else void streamAttach(channels, access, options.store, stream, streams);
  });
}

/** kubectl falls back to SPDY when its WebSocket upgrade fails; exec and attach here speak only WebSocket. */
function requireWebSocket(upgrade: string): void {
  if (upgrade !== "websocket") {
    throw new ApiError(
      "BadRequest",
      `unable to upgrade connection: ${upgrade || "no Upgrade header"} is not supported, use WebSocket`,
    );
  }
}

/** The first subprotocol the client offers that we speak (wsstream's handshake), or 400. */
function negotiate(request: IncomingMessage, supported: readonly string[]): string {
  const offered = new Set(
    String(request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== ""),
  );
  const protocol = chooseProtocol(offered, supported);
  if (!protocol) {
    throw new ApiError(
      "BadRequest",
      `unable to upgrade connection: none of the requested subprotocols (${[...offered].join(", ")}) are supported: ${supported.join(", ")}`,
    );
  }
  return protocol;
}

/** The plain SPDY upgrade (kubectl's fallback, and before 1.31 its only way): 101, then SPDY on the socket. */
function acceptSpdy(request: IncomingMessage, socket: Duplex, head: Buffer, pod: KubeObject): void {
  const versions = String(request.headers["x-stream-protocol-version"] ?? "")
    .split(",")
    .map((v) => v.trim());
  if (!versions.includes("portforward.k8s.io")) {
    throw new ApiError(
      "BadRequest",
      `unable to upgrade: unable to negotiate protocol: client supports ${versions.join(", ")}, server supports portforward.k8s.io`,
    );
  }
  socket.write(
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n",
  );
  if (head.length > 0) socket.unshift(head);
  serveSpdyPortForward(socket, pod);
}

function isStream(subresource: string | undefined): subresource is Subresource {
  return subresource === "exec" || subresource === "attach" || subresource === "portforward";
}

/** A plain HTTP answer with the Status, then the socket closes. */
function refuse(socket: Duplex, error: unknown): void {
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError("InternalError", `Internal error occurred: ${(error as Error).message}`);
  const body = JSON.stringify(apiError.toStatus());
  const reason = { 400: "Bad Request", 401: "Unauthorized", 404: "Not Found" }[apiError.code] ?? "Error";
  socket.end(
    `HTTP/1.1 ${apiError.code} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
