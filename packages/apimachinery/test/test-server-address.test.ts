// The server file of a TESTBED_HOME belongs to one testbed: a second one must see the first is
// running, take over only a stale file, and never delete a file that is no longer its own.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  clearServerAddress,
  readServerAddress,
  readServerRecord,
  runningServer,
  serverAddressFile,
  writeServerAddress,
} from "../src/server-address.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

function home(): NodeJS.ProcessEnv {
  return { TESTBED_HOME: mkdtempSync(join(tmpdir(), "testbed-home-")) };
}

/** A stand-in API server: any answer to /version counts. */
async function api(): Promise<string> {
  const server = createServer((_request, response) => response.end("{}"));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", "0"]).pid as number;
}

describe("the TESTBED_HOME server file", () => {
  it("records the API URL and the owner's pid; clients read the URL", async () => {
    const env = home();
    await writeServerAddress("http://127.0.0.1:6443", env, 4242);
    expect(readFileSync(serverAddressFile(env), "utf8")).toBe("http://127.0.0.1:6443\n4242\n\n");
    expect(await readServerAddress(undefined, env)).toEqual({ url: "http://127.0.0.1:6443", source: "file" });
  });

  it("records the bearer token (mode 0600) and the CA of an HTTPS API; clients read both", async () => {
    const env = home();
    await writeServerAddress("https://127.0.0.1:6443", env, 4242, "secret-token", "PEM CA");
    expect(statSync(serverAddressFile(env)).mode & 0o777).toBe(0o600);
    expect(await readServerAddress(undefined, env)).toEqual({
      url: "https://127.0.0.1:6443",
      source: "file",
      token: "secret-token",
      ca: "PEM CA",
    });
    // An explicit server keeps the token; $TESTBED_TOKEN overrides it.
    expect(await readServerAddress("https://127.0.0.1:7000", { ...env, TESTBED_TOKEN: "other" })).toMatchObject({
      url: "https://127.0.0.1:7000",
      token: "other",
    });
  });

  it("records the routing trace endpoint on the fourth line; clients read it with the record", async () => {
    const env = home();
    await writeServerAddress("https://127.0.0.1:6443", env, 4242, "secret-token", undefined, "http://127.0.0.1:7100");
    expect(readFileSync(serverAddressFile(env), "utf8")).toBe(
      "https://127.0.0.1:6443\n4242\nsecret-token\nhttp://127.0.0.1:7100\n",
    );
    expect(await readServerRecord(env)).toEqual({
      url: "https://127.0.0.1:6443",
      pid: 4242,
      token: "secret-token",
      traces: "http://127.0.0.1:7100",
    });
  });

  it("a live owner whose API answers is running; a dead owner's file is stale", async () => {
    const env = home();
    const url = await api();
    await writeServerAddress(url, env, process.pid);
    expect(await runningServer(env)).toEqual({ url, pid: process.pid });
    await writeServerAddress(url, env, deadPid());
    expect(await runningServer(env)).toBeUndefined();
  });

  it("a live pid whose API does not answer (reused after a crash) is stale too", async () => {
    const env = home();
    await writeServerAddress("http://127.0.0.1:1", env, process.pid);
    expect(await runningServer(env)).toBeUndefined();
  });

  it("an older testbed's file (URL only) counts as running while its API answers", async () => {
    const env = home();
    const url = await api();
    writeFileSync(serverAddressFile(env), `${url}\n`);
    expect(await runningServer(env)).toEqual({ url });
    writeFileSync(serverAddressFile(env), "http://127.0.0.1:1\n");
    expect(await runningServer(env)).toBeUndefined();
  });

  it("a testbed deletes the file only while it is still its own", async () => {
    const env = home();
    await writeServerAddress("http://127.0.0.1:7001", env, 1001);
    // Another testbed (pid 1002) took over: the first one's shutdown leaves the file alone.
    await writeServerAddress("http://127.0.0.1:7002", env, 1002);
    await clearServerAddress("http://127.0.0.1:7001", env, 1001);
    expect(await readServerAddress(undefined, env)).toEqual({ url: "http://127.0.0.1:7002", source: "file" });
    await clearServerAddress("http://127.0.0.1:7002", env, 1002);
    expect(await readServerAddress(undefined, env)).toBeUndefined();
  });
});
