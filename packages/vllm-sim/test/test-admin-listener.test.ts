import { silentSink } from "@testbed/common";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";

// The admin port is bound when the pod starts and serves the admin API from its first request on,
// although the app behind it is only built then (http/admin-listener.ts). 127.107.0.0/16 is this
// test's own loopback range.
const HOST = "127.107.2.1";
let pod: VllmSimHandle;

beforeAll(async () => {
  pod = await startVllmSim({ host: HOST, port: 0, adminPort: 0, timeScale: 0, log: silentSink });
});
afterAll(async () => {
  await pod?.close();
});

describe("the admin port", () => {
  it("is listening as soon as the pod has started, on the pod's address", () => {
    expect(pod.adminUrl).toMatch(new RegExp(`^http://${HOST.replaceAll(".", "\\.")}:\\d+$`));
  });

  it("answers the admin API from its first request, concurrent requests included", async () => {
    const [faults, metrics] = await Promise.all([
      request(`${pod.adminUrl}/admin/faults`),
      request(`${pod.adminUrl}/admin/metrics`),
    ]);
    expect(faults.statusCode).toBe(200);
    expect(await faults.body.json()).toMatchObject({ rate: 0 });
    expect(metrics.statusCode).toBe(200);
    await metrics.body.dump();
    const forced = await request(`${pod.adminUrl}/admin/metrics`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ numRequestsWaiting: 3 }),
    });
    expect(forced.statusCode).toBe(200);
    expect(await forced.body.json()).toEqual({ numRequestsWaiting: 3 });
    const missing = await request(`${pod.adminUrl}/admin/nothing`);
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });

  it("closes with the pod although a client keeps a connection open", async () => {
    const other = await startVllmSim({ host: "127.107.2.2", port: 0, adminPort: 0, timeScale: 0, log: silentSink });
    const keepAlive = new Agent({ keepAliveTimeout: 60_000 });
    const response = await request(`${other.adminUrl}/admin/state`, { dispatcher: keepAlive });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    await other.close();
    await expect(request(`${other.adminUrl}/admin/state`)).rejects.toThrow();
    await keepAlive.close();
  });
});
