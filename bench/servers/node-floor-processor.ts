import { createServer, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";

// The floor of the ext_proc leg: a bare HTTP/2 server that answers every two gRPC-framed messages
// with two of about the size the EPP sends (a header mutation, then the body streamed back),
// without protobuf, scheduling or metrics. With node-floor-proxy.ts it measures what Node itself
// costs for the gateway + EPP message pattern on this machine. Prints READY host:port.
const HEADERS_REPLY_BYTES = 300;

function framed(length: number): Buffer {
  const message = Buffer.alloc(5 + length, 0x61);
  message[0] = 0;
  message.writeUInt32BE(length, 1);
  return message;
}

function answer(stream: ServerHttp2Stream): void {
  let pending: Buffer = Buffer.alloc(0);
  let received = 0;
  let lastLength = 0;
  stream.on("data", (chunk: Buffer) => {
    pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      lastLength = pending.readUInt32BE(1);
      pending = pending.subarray(5 + lastLength);
      received++;
      if (received % 2 !== 0) continue;
      if (!stream.headersSent)
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.write(framed(HEADERS_REPLY_BYTES));
      stream.write(framed(lastLength));
    }
  });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.on("end", () => stream.end());
  stream.on("error", () => {});
}

const server = createServer({ maxSessionMemory: Number.MAX_SAFE_INTEGER });
server.on("stream", answer);
server.listen(0, "127.0.0.1", () =>
  process.stdout.write(`READY 127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
