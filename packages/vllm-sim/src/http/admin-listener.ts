// The admin API's port (--admin-port): bound when the simulator starts, like every port it serves,
// while the fastify app behind it is built on the port's first request. A testbed gives every vLLM
// pod one and almost none is ever asked; building the app and its boot sequence (routes, the 404
// handler for every method, the schema compilers) was ≈ 4–5 ms of CPU per pod, a third of a vLLM
// pod's start, on the thread that starts every other pod too.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { ModelServer } from "../model-server.js";
import { buildAdminApp } from "./admin-routes.js";

export interface AdminListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Listen on host:port for the admin API of `server`; the app is built when the first request arrives. */
export async function listenAdmin(server: ModelServer, host: string, port: number): Promise<AdminListener> {
  const http = createServer();
  let app: Promise<FastifyInstance> | undefined;
  http.on("request", (request: IncomingMessage, response: ServerResponse) => {
    app ??= ready(buildAdminApp(server));
    app.then(
      (admin) => admin.routing(request, response),
      (error: Error) => {
        response.statusCode = 500;
        response.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  return {
    address: http.address() as AddressInfo,
    async close() {
      // As the app's forceCloseConnections did: open keep-alive connections do not hold the close.
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      http.closeAllConnections();
      await closed;
      await (await app?.catch(() => undefined))?.close();
    },
  };
}

async function ready(app: FastifyInstance): Promise<FastifyInstance> {
  await app.ready();
  return app;
}
