// What uvicorn (httptools, vLLM's default) writes when a request cannot be parsed: a plain-text 400
// and a closed connection (uvicorn/protocols/http/httptools_impl.py, send_400_response). Requests
// read before the bad one on a pipelined connection are answered first: the 400 waits for them.
import type { Socket } from "node:net";
import type { Clock } from "@testbed/common";

const MESSAGE = "Invalid HTTP request received.";

/** Answered requests still being written per connection, for pipelined input. */
const inFlight = new WeakMap<Socket, { count: number; onIdle: Array<() => void> }>();

export function requestStarted(socket: Socket): void {
  const state = inFlight.get(socket) ?? { count: 0, onIdle: [] };
  state.count += 1;
  inFlight.set(socket, state);
}

export function requestFinished(socket: Socket): void {
  const state = inFlight.get(socket);
  if (!state) return;
  state.count -= 1;
  if (state.count > 0) return;
  for (const callback of state.onIdle.splice(0)) callback();
}

/** Fastify's clientErrorHandler: answer as uvicorn once earlier pipelined requests are answered. */
export const uvicornClientError =
  (clock: Clock) =>
  (error: NodeJS.ErrnoException, socket: Socket): void => {
    const answer = () => {
      if (socket.destroyed) return;
      if (error.code === "ECONNRESET" || !socket.writable) {
        socket.destroy();
        return;
      }
      socket.end(
        "HTTP/1.1 400 Bad Request\r\n" +
          `date: ${new Date(clock.now()).toUTCString()}\r\n` +
          "server: uvicorn\r\n" +
          "content-type: text/plain; charset=utf-8\r\n" +
          `content-length: ${MESSAGE.length}\r\n` +
          "connection: close\r\n\r\n" +
          MESSAGE,
      );
    };
    const state = inFlight.get(socket);
    if (state && state.count > 0) state.onIdle.push(answer);
    else answer();
  };
