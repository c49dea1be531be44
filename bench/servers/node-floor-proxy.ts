import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:http2";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

// The floor of the gateway + EPP path: a bare HTTP/1.1 proxy to UPSTREAM that, around each
// request, exchanges with PROCESSOR the messages a full-duplex ext_proc stream carries (request
// headers and body, then response headers and body; two answers each time), as raw gRPC frames
// without protobuf, routing, stats or logs. Prints READY <url>.
const REQUEST_HEADERS_BYTES = 260;
const RESPONSE_HEADERS_BYTES = 150;

const upstream = new Pool(`http://${process.env.UPSTREAM ?? "127.0.0.1:8000"}`, { pipelining: 1 });
const processor = connect(`http://${process.env.PROCESSOR ?? "127.0.0.1:9002"}`);

function framed(length: number): Buffer {
  const message = Buffer.alloc(5 + length, 0x62);
  message[0] = 0;
  message.writeUInt32BE(length, 1);
  return message;
}

/** One stream: `turn(a, b, last)` sends two messages and resolves when two answers came back. */
function openExchange() {
  const stream = processor.request({
    ":method": "POST",
    ":path": "/envoy.service.ext_proc.v3.ExternalProcessor/Process",
    "content-type": "application/grpc",
    te: "trailers",
  });
  let pending: Buffer = Buffer.alloc(0);
  let answers = 0;
  let wake: (() => void) | undefined;
  stream.on("data", (chunk: Buffer) => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      pending = pending.subarray(5 + pending.readUInt32BE(1));
      answers++;
      if (answers % 2 === 0) wake?.();
    }
  });
  stream.on("error", () => {});
  return {
    turn(first: number, second: number, last: boolean): Promise<void> {
      const answered = new Promise<void>((resolve) => {
        wake = resolve;
      });
      stream.write(framed(first));
      stream.write(framed(second));
      if (last) stream.end();
      return answered;
    },
  };
}

async function proxy(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const exchange = openExchange();
  await exchange.turn(REQUEST_HEADERS_BYTES, body.length + 8, false);
  const answer = await upstream.request({
    path: request.url ?? "/",
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const answerBody = Buffer.from(await answer.body.arrayBuffer());
  await exchange.turn(RESPONSE_HEADERS_BYTES, answerBody.length + 8, true);
  response.writeHead(answer.statusCode, { "content-type": "application/json" }).end(answerBody);
}

const server = createServer((request, response) => {
  proxy(request, response).catch(() => response.writeHead(502).end());
});
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
