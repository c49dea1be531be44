import { createServer, type Server } from "node:http";
import { listenOnLoopback } from "./loopback-server.js";

/** An upstream that answers with what it received: {method, path, headers, body}. */
export interface EchoUpstream {
  hostPort: string;
  requests: Array<{
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body: string;
  }>;
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const echo: EchoUpstream = { hostPort: "", requests: [], close: async () => {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const seen = {
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      echo.requests.push(seen);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(seen));
    });
  });
  const { hostPort, close } = await listenOnLoopback(server);
  echo.hostPort = hostPort;
  echo.close = close;
  return echo;
}
