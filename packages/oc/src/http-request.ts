// One HTTP exchange with the API server over node:http. Not fetch: Node's fetch loads its bundled
// undici on first use, which costs an `oc` call about 40 MB of RSS and 0.3 s, more than the rest of oc.
import type { IncomingMessage } from "node:http";

/** What oc reads of an answer: the status, and the body as text, JSON or (oc logs -f) a stream. */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  body: AsyncIterable<Buffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export async function httpRequest(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
  ca?: string,
): Promise<HttpAnswer> {
  const target = new URL(url);
  // https only when the server address says so: node:https loads TLS, which plain http never needs.
  const { request } = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  const sent = body === undefined ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    // agent: false: one connection, closed after the answer, so nothing keeps the process alive.
    const outgoing = request(target, { method, headers: sent, agent: false, ...(ca ? { ca } : {}) }, (incoming) =>
      resolve(answer(incoming)),
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

function answer(incoming: IncomingMessage): HttpAnswer {
  const status = incoming.statusCode ?? 0;
  const text = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  };
  return {
    status,
    ok: status >= 200 && status < 300,
    body: incoming,
    text,
    json: async () => JSON.parse(await text()),
  };
}
