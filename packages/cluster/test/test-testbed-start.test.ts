import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startTestbed } from "../src/testbed.js";

/** A port that was free a moment ago (the API server is asked to bind it exactly). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (ok) await new Promise((resolve) => server.close(resolve));
  return ok;
}

describe("startTestbed", () => {
  it("releases its API server when the topology cannot be loaded, so a failed `testbed up` can exit", async () => {
    const port = await freePort();
    await expect(startTestbed({ apiPort: port, subnet: 203, topology: "/nonexistent/topology" })).rejects.toThrow(
      /does not exist/,
    );
    expect(await canListen(port)).toBe(true);
  });

  it("brings the topology's Istio resource in line with its --istio profile (oc get istio shows the release)", async () => {
    const topology = join(mkdtempSync(join(tmpdir(), "istio-")), "istio.yaml");
    writeFileSync(
      topology,
      "apiVersion: sailoperator.io/v1\nkind: Istio\nmetadata: {name: default}\nspec: {namespace: istio-system, version: v1.26.2}\n",
    );
    const testbed = await startTestbed({ apiPort: 0, subnet: 209, topology, istio: "1.28" });
    try {
      expect(testbed.store.get("sailoperator.io/Istio", undefined, "default")?.spec.version).toBe("v1.28.4");
    } finally {
      await testbed.close();
    }
  });
});
