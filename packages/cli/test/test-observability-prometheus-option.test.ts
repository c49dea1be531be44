// `testbed up --prometheus` decides from PATH; a stand-in `prometheus` (a small Node script that answers
// /-/ready and records SIGHUPs) shows the config is regenerated and reloaded when pods change.
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMETHEUS_INSTALL_HINT } from "../src/observability/local-prometheus.js";
import { planPrometheus, startPrometheusIfInstalled } from "../src/observability/prometheus-option.js";
import type { PodView } from "../src/observability/scrape-targets.js";

let dir: string;
let api: Server;
let apiUrl: string;
let pods: PodView[] = [];

const FAKE_PROMETHEUS = `#!/usr/bin/env node
const { createServer } = require("node:http");
const { appendFileSync } = require("node:fs");
const { dirname, join } = require("node:path");
const arg = (name) => process.argv.find((a) => a.startsWith("--" + name + "="))?.split("=").slice(1).join("=");
const [host, port] = arg("web.listen-address").split(":");
const record = (line) => appendFileSync(join(__dirname, "calls.log"), line + "\\n");
record("start " + arg("config.file"));
process.on("SIGHUP", () => record("reload"));
process.on("SIGTERM", () => { record("stop"); process.exit(0); });
createServer((req, res) => res.writeHead(req.url === "/-/ready" ? 200 : 404).end()).listen(Number(port), host);
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "observability-option-"));
  api = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "PodList", items: pods }));
  });
  await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(() => {
  api?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A directory holding an executable named prometheus with the given script. */
function binDir(name: string, script: string): string {
  const path = join(dir, name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, "prometheus"), script);
  chmodSync(join(path, "prometheus"), 0o755);
  return path;
}

function vllmPod(name: string, ip: string): PodView {
  return {
    metadata: { name, namespace: "my-first-model", labels: { "llm-d.ai/role": "decode" } },
    status: { podIP: ip },
  };
}

describe("testbed up --prometheus", () => {
  it("without a prometheus binary on PATH: one line saying how to install it, and nothing started", async () => {
    const empty = join(dir, "empty");
    mkdirSync(empty, { recursive: true });
    expect(planPrometheus(empty)).toEqual({ kind: "absent", hint: PROMETHEUS_INSTALL_HINT });
    expect(PROMETHEUS_INSTALL_HINT).toContain("apt-get install prometheus");
    const lines: string[] = [];
    const started = await startPrometheusIfInstalled({
      apiUrl,
      watch: () => () => {},
      pathEnv: `${empty}:${join(dir, "missing")}`,
      warn: (line) => lines.push(line),
    });
    expect(started).toBeUndefined();
    expect(lines).toEqual([PROMETHEUS_INSTALL_HINT]);
  });

  it("finds the binary on PATH, skipping directories without one", () => {
    const bin = binDir("found", "#!/bin/sh\nexit 0\n");
    expect(planPrometheus(`${join(dir, "nowhere")}:${bin}`)).toEqual({
      kind: "start",
      binary: join(bin, "prometheus"),
    });
  });

  it("a binary that dies at start: a warning with its output, the testbed carries on", async () => {
    const bin = binDir("broken", "#!/bin/sh\necho 'err=\"bad flag\"' >&2\nexit 3\n");
    const lines: string[] = [];
    const started = await startPrometheusIfInstalled({
      apiUrl,
      watch: () => () => {},
      pathEnv: bin,
      warn: (line) => lines.push(line),
      listen: "127.0.0.1:0",
    });
    expect(started).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^prometheus: not started, continuing without it: prometheus exited with code 3/);
    expect(lines[0]).toContain('err="bad flag"');
    // The log file is the child's output only: this process keeps no descriptor on it.
    expect(openDescriptorsOn("prometheus.log")).toEqual([]);
  });

  it("an API server that does not answer: a warning, nothing started, no work directory left behind", async () => {
    const bin = binDir("unused", FAKE_PROMETHEUS);
    const temp = mkdtempSync(join(dir, "tmp-"));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = temp; // where startEmbeddedPrometheus makes its work directory
    const lines: string[] = [];
    try {
      const started = await startPrometheusIfInstalled({
        apiUrl: "http://127.0.0.1:1",
        watch: () => () => {},
        pathEnv: bin,
        warn: (line) => lines.push(line),
        listen: "127.0.0.1:0",
      });
      expect(started).toBeUndefined();
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^prometheus: not started, continuing without it: /);
    expect(readdirSync(temp)).toEqual([]);
    expect(existsSync(join(bin, "calls.log"))).toBe(false);
  });

  it("writes the config from the API server's pods, regenerates it and sends SIGHUP when pods change, stops on close", async () => {
    const bin = binDir("fake", FAKE_PROMETHEUS);
    const calls = join(bin, "calls.log");
    pods = [vllmPod("decode-a", "127.129.240.21")];
    let notify: ((event: { key: string }) => void) | undefined;
    const port = await freePort();
    const prometheus = await startPrometheusIfInstalled({
      apiUrl,
      watch: (handler) => {
        notify = handler;
        return () => {
          notify = undefined;
        };
      },
      pathEnv: bin,
      warn: (line) => {
        throw new Error(line);
      },
      listen: `127.0.0.1:${port}`,
    });
    expect(prometheus?.url).toBe(`http://127.0.0.1:${port}`);
    const configFile = prometheus!.configFile;
    expect(readFileSync(calls, "utf8")).toBe(`start ${configFile}\n`);
    expect(readFileSync(configFile, "utf8")).toContain("127.129.240.21:8000");

    // An event for another kind does nothing; a pod event with the same targets rebuilds without a reload.
    notify?.({ key: "apps/Deployment" });
    await prometheus!.refresh();
    expect(readFileSync(calls, "utf8")).not.toContain("reload");

    // The pod rolls: new name and address.
    pods = [vllmPod("decode-b", "127.129.240.22")];
    notify?.({ key: "Pod" });
    await eventually(() => {
      expect(readFileSync(calls, "utf8"), "a SIGHUP after the pod change").toContain("reload");
    });
    const config = readFileSync(configFile, "utf8");
    expect(config).toContain("127.129.240.22:8000");
    expect(config).toContain("pod: decode-b");
    expect(config).not.toContain("decode-a");

    await prometheus!.stop();
    expect(readFileSync(calls, "utf8").trim().split("\n")).toEqual([`start ${configFile}`, "reload", "stop"]);
    expect(notify).toBeUndefined();
  });
});

/** Files named `name` this process holds open, deleted or not (Linux: the links in /proc/self/fd). */
function openDescriptorsOn(name: string): string[] {
  return readdirSync("/proc/self/fd")
    .map((fd) => {
      try {
        return readlinkSync(join("/proc/self/fd", fd));
      } catch {
        return ""; // closed since the listing
      }
    })
    .filter((target) => target.replace(/ \(deleted\)$/, "").endsWith(`/${name}`));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
