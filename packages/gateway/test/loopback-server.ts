import type { AddressInfo, Server, Socket } from "node:net";

/** A test server listening on a free loopback port. */
export interface LoopbackServer {
  hostPort: string;
  /** Drops every open connection and stops listening. */
  close(): Promise<void>;
}

/** Starts `server` (node:http, node:https or a bare node:net server) on 127.0.0.1 at a free port. */
export async function listenOnLoopback(server: Server): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    hostPort: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
