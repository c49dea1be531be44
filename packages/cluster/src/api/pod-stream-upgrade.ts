// The HTTP upgrades of the API server: `pods/exec`, `pods/attach` and `pods/portforward` over
// WebSocket. Checks run before the upgrade, so a client that is not let in, names a missing pod or
// container, or offers no protocol we speak gets a plain HTTP Status (what kubectl prints), never a
// half-open socket.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError } from "@testbed/apimachinery";
import { WebSocketServer } from "ws";
import type { ObjectStore } from "../store/object-store.js";
import { isAuthorized, unauthorized } from "./bearer-auth.js";
import { ChannelSocket, chooseProtocol, REMOTE_COMMAND_PROTOCOLS } from "./channel-protocol.js";
import { streamAttach, streamExec, streamOptionsOf } from "./exec-stream.js";
import type { PodAccess } from "./pod-access.js";
import { requirePodAccess, resolveContainer } from "./pod-handlers.js";
import { PORT_FORWARD_PROTOCOLS, parsePorts, streamPortForward } from "./port-forward.js";
import { parseApiPath } from "./resource-path.js";

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
  const pod = target.path.name as string;
  const access = requirePodAccess(options.podAccess);
  const podObject = options.store.require("Pod", namespace, pod);
  const ports = subresource === "portforward" ? parsePorts(url.searchParams) : [];
  const container =
    subresource === "portforward"
      ? ""
      : resolveContainer(options.store, namespace, pod, url.searchParams.get("container") ?? undefined);
  const command = url.searchParams.getAll("command");
  if (subresource === "exec" && command.length === 0) {
    throw new ApiError("BadRequest", "you must specify at least one command for the container");
  }
  if ((request.headers.upgrade ?? "").toLowerCase() !== "websocket") {
    // kubectl falls back to SPDY when its WebSocket upgrade fails; the testbed speaks only WebSocket.
    throw new ApiError(
      "BadRequest",
      `unable to upgrade connection: ${request.headers.upgrade ?? "no Upgrade header"} is not supported, use WebSocket`,
    );
  }
  const supported = subresource === "portforward" ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
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
  chosen.set(request, protocol);
  if (subresource === "portforward") {
    server.handleUpgrade(request, socket, head, (ws) => {
      streamPortForward(new ChannelSocket(ws, ws.protocol), podObject, ports);
    });
    return;
  }
  const streams = streamOptionsOf(url.searchParams);
  server.handleUpgrade(request, socket, head, (ws) => {
    const channels = new ChannelSocket(ws, ws.protocol);
    const stream = { namespace, pod, container };
    if (subresource === "exec") void streamExec(channels, access, stream, command, streams);
    else void streamAttach(channels, access, options.store, stream, streams);
  });
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
