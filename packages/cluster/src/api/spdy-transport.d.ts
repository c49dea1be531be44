// The part of spdy-transport (which ships no types) the port-forward server uses.
declare module "spdy-transport" {
  import type { EventEmitter } from "node:events";
  import type { Duplex } from "node:stream";

  interface Connection extends EventEmitter {
    start(version: number): void;
    destroyStreams?(): void;
  }

  const spdyTransport: {
    connection: {
      create(socket: Duplex, options: { protocol: "spdy" | "http2"; isServer: boolean }): Connection;
    };
  };
  export default spdyTransport;
}
