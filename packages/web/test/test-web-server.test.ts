import type { KubeObject } from "@testbed/apimachinery";
import { SimulatedClock } from "@testbed/common";
import { startWebServer, type WebServerHandle, type WebSources } from "@testbed/web";
import { afterEach, describe, expect, it } from "vitest";

const POD: KubeObject = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "decode-0", namespace: "my-first-model", labels: { "llm-d.ai/role": "decode" } },
  status: { podIP: "127.94.0.1" },
};

const POOL: KubeObject = {
  apiVersion: "inference.networking.x-k8s.io/v1alpha2",
  kind: "InferencePool",
  metadata: { name: "pool", namespace: "my-first-model" },
  spec: { selector: { "llm-d.ai/role": "decode" }, extensionRef: { name: "epp" } },
};

/** Sources that count every pod GET and every log follow, and never touch a network. */
function fakeSources(clock: SimulatedClock) {
  const calls = { fetches: 0, follows: 0, unfollows: 0, watchers: 0 };
  const sources: WebSources = {
    store: {
      all: () => [POD, POOL],
      peekList: (key) => (key === "Pod" ? [POD] : []),
      watch: () => {
        calls.watchers++;
        return () => {
          calls.watchers--;
        };
      },
    },
    logs: {
      followLogs: () => {
        calls.follows++;
        return () => calls.unfollows++;
      },
      queryLogs: () => [],
    },
    fetchText: async () => {
      calls.fetches++;
      return 'vllm:num_requests_running{model_name="m"} 2\n';
    },
    envoyVersion: "1.34",
    clock,
  };
  return { sources, calls };
}

let server: WebServerHandle | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("the page's server", () => {
  it("samples nothing while no page is connected, samples once a second while one is, and stops when it leaves", async () => {
    const clock = new SimulatedClock(1_000);
    const { sources, calls } = fakeSources(clock);
    server = await startWebServer({ sources, port: 0 });
    clock.advance(10_000);
    expect(calls.fetches).toBe(0);
    expect(clock.pendingTimers).toBe(0);

    const controller = new AbortController();
    const stream = await fetch(`${server.url}api/stream`, { signal: controller.signal });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    await new Promise((resolve) => setImmediate(resolve));
    expect(server.hub.clientCount).toBe(1);
    const afterConnect = calls.fetches;
    expect(afterConnect).toBe(1); // the first sample, at once
    expect(calls.watchers).toBe(1);
    await clock.advanceAsync(3_000);
    expect(calls.fetches).toBe(afterConnect + 3);
    expect(server.hub.samples().at(-1)?.pods[0]).toMatchObject({ name: "decode-0", running: 2, up: true });

    controller.abort();
    for (let i = 0; i < 100 && server.hub.clientCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.hub.clientCount).toBe(0);
    const afterLeave = calls.fetches;
    await clock.advanceAsync(10_000);
    expect(calls.fetches).toBe(afterLeave);
    expect(clock.pendingTimers).toBe(0);
    expect(calls.watchers).toBe(0);
  });

  it("serves the built page, the topology and objects; refuses writes, unknown objects and paths outside its folder", async () => {
    const { sources } = fakeSources(new SimulatedClock());
    server = await startWebServer({ sources, port: 0 });
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<script type="module" src="app.js">');
    const topology = (await (await fetch(`${server.url}api/topology`)).json()) as {
      nodes: { id: string }[];
      edges: { from: string; to: string }[];
    };
    expect(topology.nodes.map((n) => n.id)).toEqual([
      "InferencePool/my-first-model/pool",
      "Pod/my-first-model/decode-0",
    ]);
    expect(topology.edges).toEqual([{ from: "InferencePool/my-first-model/pool", to: "Pod/my-first-model/decode-0" }]);
    const object = (await (await fetch(`${server.url}api/object?id=Pod/my-first-model/decode-0`)).json()) as {
      yaml: string;
    };
    expect(object.yaml).toContain("name: decode-0");
    expect((await fetch(`${server.url}api/object?id=Pod/x/y`)).status).toBe(404);
    expect((await fetch(`${server.url}api/topology`, { method: "POST" })).status).toBe(405);
    expect((await fetch(`${server.url}%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    const traces = await fetch(`${server.url}api/traces/abc`);
    expect(traces.status).toBe(404);
    expect(await traces.json()).toEqual({ error: "this testbed serves no routing traces" });
  });
});
