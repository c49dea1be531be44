import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentSink } from "@testbed/common";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoadCommand } from "../src/commands/load.js";

let pod: VllmSimHandle;
let chatUrl = "";
// No testbed here: an empty TESTBED_HOME and no TESTBED_SERVER.
const env = { TESTBED_HOME: mkdtempSync(join(tmpdir(), "testbed-load-")) };

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink, enablePrefixCaching: true });
  chatUrl = `${pod.url}/v1/chat/completions`;
});
afterAll(async () => {
  await pod?.close();
});

async function load(argv: string[], errIsTty = false) {
  let out = "";
  let err = "";
  const code = await runLoadCommand(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    errIsTty,
    env,
  });
  return { code, out, err };
}

describe("testbed load", () => {
  it("prints the report: target, workload, requests by status, latency rows", async () => {
    const run = await load(["--url", chatUrl, "--requests", "5", "--concurrency", "2", "--output-tokens", "3"]);
    expect(run.code).toBe(0);
    expect(run.err).toBe(""); // not a TTY: no progress bar
    expect(run.out).toContain(`Target:      ${chatUrl}`);
    expect(run.out).toContain(
      "shared-prefix (512 shared + 64 unique prompt tokens, 3 output), 5 requests, concurrency 2",
    );
    expect(run.out).toContain("Requests:    5 (200: 5)");
    expect(run.out).toMatch(/E2E {3}wall\s+\d+\.\d\d/);
    expect(run.out).not.toContain("Pods by llm-d.ai/role"); // --url without --server: no cluster
  });

  it("--json prints {summary, cluster}; streaming adds TTFT and ITL", async () => {
    const run = await load([
      "--url",
      chatUrl,
      "--requests",
      "4",
      "--rate",
      "100",
      "--workload",
      "random",
      "--prompt-tokens",
      "40",
      "--output-tokens",
      "5",
      "--stream",
      "--json",
    ]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out);
    expect(report.cluster).toBeNull();
    expect(report.summary.byStatus).toEqual({ "200": 4 });
    expect(report.summary.wall.ttft.p50).toBeGreaterThanOrEqual(0);
    expect(report.summary.wall.itl.p99).toBeGreaterThanOrEqual(0);
    expect(report.summary.outputTokensPerSecond).toBeGreaterThan(0);
  });

  it("counts a 404 (wrong model) by status with vLLM's message, and still exits 0 like GuideLLM", async () => {
    const run = await load(["--url", chatUrl, "--requests", "2", "--model", "gpt-4", "--output-tokens", "2"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("Requests:    2 (404: 2)");
    expect(run.out).toContain("Error 404: The model `gpt-4` does not exist.");
  });

  it("draws a progress bar on a terminal", async () => {
    const run = await load(["--url", chatUrl, "--requests", "3", "--output-tokens", "2"], true);
    expect(run.code).toBe(0);
    expect(run.err).toContain("] 3/3 requests");
  });

  it.each([
    [["--requests", "ten", "--url", "http://127.0.0.1:1/x"], "--requests must be a non-negative integer, got 'ten'"],
    [["--requests", "0", "--url", "http://127.0.0.1:1/x"], "requests must be a positive integer, got 0"],
    [["--rate", "5", "--concurrency", "2"], "--rate and --concurrency are exclusive"],
    [["--rate", "fast"], "--rate must be a number, got 'fast'"],
    [["--workload", "chat"], "--workload must be shared-prefix or random, got 'chat'"],
    [["--prompt-tokens", "10"], "--prompt-tokens is for --workload random"],
    [["--url", "x", "--gateway", "g"], "--url and --gateway are exclusive"],
    [["--url", "https://h/v1/chat/completions", "--path", "/other"], "--path goes with --gateway"],
    [["--url", "example.com/v1"], "url must be http:// or https://"],
    [["--bogus"], "Unknown option '--bogus'"],
  ])("exits 2 on bad flags %j", async (argv, message) => {
    const run = await load(argv);
    expect(run.code).toBe(2);
    expect(run.err).toContain(message);
    expect(run.out).toBe("");
  });

  it("exits 1 with a clear message when no testbed is running (gateway target)", async () => {
    const run = await load(["--gateway", "openshift-ai-inference", "--requests", "1"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("no running testbed: start one with `npx testbed up`");
  });

  it("exits 1 when the API server given does not answer", async () => {
    const run = await load(["--server", "http://127.0.0.1:1", "--requests", "1"]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("cannot reach the testbed API server at http://127.0.0.1:1");
  });

  it("exits 1, without a stack trace, when the server given is not a testbed API server (not JSON)", async () => {
    const notApi = createServer((_request, response) => response.end("<html>hello</html>"));
    await new Promise<void>((resolve) => notApi.listen(0, "127.0.0.1", resolve));
    const server = `http://127.0.0.1:${(notApi.address() as AddressInfo).port}`;
    try {
      const gateway = await load(["--server", server, "--requests", "1"]);
      expect(gateway.code).toBe(1);
      expect(gateway.err).toContain(`${server} does not answer like the testbed API server (HTTP 200`);
      // --url with --server: the pods' listing fails the same way before any request is sent.
      const pods = await load(["--url", chatUrl, "--server", server, "--requests", "1"]);
      expect(pods.code).toBe(1);
      expect(pods.err).toContain("not a JSON object: '<html>hello</html>'");
      expect(pods.out).toBe("");
    } finally {
      await new Promise((resolve) => notApi.close(resolve));
    }
  });

  it("--help prints the flags", async () => {
    const run = await load(["--help"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("--prefix-tokens N");
  });
});
