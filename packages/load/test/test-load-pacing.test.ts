// The load generator's pacing: the rate's schedule on the injected clock, and the barrier that
// makes a load go one request at a time (what a scenario's deterministic load relies on).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SimulatedClock } from "@testbed/common";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LoadOptionsError, runLoad, type Workload } from "../src/index.js";

const workload: Workload = { type: "random", promptTokens: 8, outputTokens: 2 };
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(resolve);
        }),
    ),
  );
});

/** An OpenAI-shaped server that holds each answer until `answer()` (or answers at once if `auto`). */
async function chatServer(auto: boolean) {
  const state = { received: 0, inFlight: 0, maxInFlight: 0, held: [] as Array<() => void> };
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      state.received++;
      state.inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
      const reply = () => {
        state.inFlight--;
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 2 } }));
      };
      if (auto) reply();
      else state.held.push(reply);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  const answerAll = () => {
    for (const reply of state.held.splice(0)) reply();
  };
  return { url, state, answerAll };
}

describe("load pacing", () => {
  it("an open loop starts each request at its slot on the injected clock", async () => {
    const clock = new SimulatedClock();
    const server = await chatServer(true);
    const run = runLoad({ url: server.url, requests: 3, rate: 10, workload, clock });
    await vi.waitFor(() => expect(server.state.received).toBe(1));
    // Request 1's slot is 100 ms after the start, on the simulated clock.
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(99);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(1);
    await vi.waitFor(() => expect(server.state.received).toBe(2));
    await vi.waitFor(() => expect(clock.pendingTimers).toBe(1));
    clock.advance(100);
    const { summary } = await run;
    expect(server.state.received).toBe(3);
    expect(summary.byStatus).toEqual({ 200: 3 });
    // The run's duration is measured on the same clock: exactly the two slots.
    expect(summary.durationMs).toBe(200);
  });

  it("with a barrier, each request waits for the previous answer, then for the barrier", async () => {
    const server = await chatServer(false);
    const barriers: Array<{ index: number; inFlight: number }> = [];
    const run = runLoad({
      url: server.url,
      requests: 4,
      rate: 1000,
      workload,
      barrier: async (index) => {
        barriers.push({ index, inFlight: server.state.inFlight });
      },
    });
    for (let answered = 1; answered <= 4; answered++) {
      await vi.waitFor(() => expect(server.state.held).toHaveLength(1));
      server.answerAll();
      if (answered < 4) await vi.waitFor(() => expect(barriers).toHaveLength(answered + 1));
    }
    const { summary } = await run;
    expect(summary.byStatus).toEqual({ 200: 4 });
    expect(barriers).toEqual([0, 1, 2, 3].map((index) => ({ index, inFlight: 0 })));
    expect(server.state.maxInFlight).toBe(1);
  });

  it("refuses a barrier with more than one request in flight", async () => {
    await expect(
      runLoad({ url: "http://127.0.0.1:1/", requests: 2, concurrency: 2, workload, barrier: async () => {} }),
    ).rejects.toThrow(LoadOptionsError);
  });
});
