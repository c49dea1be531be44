// A gRPC health probe gives up after 1 s of the kubelet's clock when the pod never answers.
import { createServer, type Http2Server, type Http2Session } from "node:http2";
import type { AddressInfo } from "node:net";
import { eventually, SimulatedClock } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProbe } from "../src/kubelet/probes.js";

let silent: Http2Server;
let port = 0;
let calls = 0;
const sessions = new Set<Http2Session>();

beforeAll(async () => {
  // Accepts every call and never answers it: a pod that hangs.
  silent = createServer();
  silent.on("stream", () => calls++);
  silent.on("session", (session) => sessions.add(session));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  port = (silent.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const session of sessions) session.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("readiness probes", () => {
  it("fails a gRPC health probe the pod never answers once 1 s has passed on the kubelet's clock", async () => {
    const clock = new SimulatedClock();
    let result: boolean | undefined;
    const probing = runProbe({ grpc: { port } }, "127.0.0.1", { name: "main", image: "x" }, clock).then((ok) => {
      result = ok;
    });
    await eventually(() => calls > 0);
    clock.advance(999);
    await new Promise((resolve) => setImmediate(resolve));
    expect(result).toBeUndefined();
    clock.advance(1);
    await probing;
    expect(result).toBe(false);
  });
});
