// `testbed up` refuses, before starting anything, to share a TESTBED_HOME with a running testbed
// (the second one used to take over its server file, and delete it on exit) or a pod subnet
// another testbed uses (its pods could not bind their addresses: CrashLoopBackOff gateways).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeServerAddress } from "@testbed/apimachinery";
import { afterEach, describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../bin/testbed.mjs", import.meta.url));
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function up(args: string[], home: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "up", "--api-port", "0", ...args], {
      env: { ...process.env, TESTBED_HOME: home },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("testbed up refuses to start", () => {
  it("beside a running testbed with the same TESTBED_HOME, and leaves its server file alone", async () => {
    const home = mkdtempSync(join(tmpdir(), "testbed-home-"));
    // The running one: this (live) process, with an API that answers.
    const api = createHttpServer((_request, response) => response.end("{}"));
    servers.push(api);
    await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    await writeServerAddress(url, { TESTBED_HOME: home });
    const run = await up(["--subnet", "217"], home);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `testbed up: a testbed is already running with TESTBED_HOME=${home} (pid ${process.pid}, API ${url}); stop it or set TESTBED_HOME`,
    );
    expect(readFileSync(join(home, "server"), "utf8")).toBe(`${url}\n${process.pid}\n\n`);
  }, 60_000);

  it("on a subnet another testbed's pods use, naming a free one", async () => {
    const listener = createServer();
    servers.push(listener);
    await new Promise<void>((resolve) => listener.listen(0, "127.128.216.21", resolve));
    const run = await up(["--subnet", "216"], mkdtempSync(join(tmpdir(), "testbed-home-")));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^testbed up: subnet 216 is in use \(127\.128\.216\.21:\d+ is listening: another testbed\?\); pass --subnet \d+$/m,
    );
  }, 60_000);
});
