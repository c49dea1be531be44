// Data parallelism as llm-d-inference-sim and llm-d's pd-sidecar model it: `--data-parallel-size N`
// starts ranks on port+1…port+N-1 (inference-sim's Start), and the sidecar listens on its port+r for
// each rank and forwards a request carrying `x-data-parallel-host-port: POD_IP:port+r` to vLLM's
// port+r (pkg/sidecar/proxy/data_parallel.go); an unknown rank is answered 400 with no body. The
// x-inference-pod / x-inference-port headers (inference-sim's addResponseHeaders) name who answered.
import { createServer } from "node:net";
import { silentSink } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StartupError } from "../src/model-server.js";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { logCollector } from "./server-harness.js";

// Subnet 78 of the loopback range: this file's own address, fixed ports as in a pod.
const HOST = "127.0.78.11";
let pod: VllmSimHandle;

beforeAll(async () => {
  pod = await startVllmSim({
    host: HOST,
    port: 8200,
    sidecarPort: 8000,
    dataParallelSize: 3,
    timeScale: 0,
    log: silentSink,
    podName: "qwen3-decode-0",
    podNamespace: "llm",
  });
});
afterAll(() => pod.close());

const question = { model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 2 };

async function ask(url: string, headers: Record<string, string> = {}, body: object = question) {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text };
}

describe("--data-parallel-size (llm-d-inference-sim)", () => {
  it("ranks 1 and 2 are simulators of their own on port+1 and port+2", async () => {
    for (const port of [8201, 8202]) {
      const answer = await ask(`http://${HOST}:${port}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-inference-port")).toBe(String(port));
    }
  });

  it("each rank keeps its own engine: a request to rank 1 is counted on rank 1's /metrics only", async () => {
    const successes = async (port: number) => {
      const text = await (await fetch(`http://${HOST}:${port}/metrics`)).text();
      const lines = text.split("\n").filter((line) => line.startsWith("vllm:request_success_total{"));
      return lines.reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
    };
    const [rank0, rank1] = [await successes(8200), await successes(8201)];
    await ask(`http://${HOST}:8201`);
    expect(await successes(8201)).toBe(rank1 + 1);
    expect(await successes(8200)).toBe(rank0);
  });

  it("a part that fails to start (the admin port taken, or the sidecar's) closes every rank started before it", async () => {
    const host = "127.0.78.13";
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(9100, host, resolve));
    const start = (extra: object) =>
      startVllmSim({ host, port: 9200, dataParallelSize: 2, timeScale: 0, log: silentSink, ...extra });
    try {
      await expect(start({ adminPort: 9100 })).rejects.toThrow(/EADDRINUSE/);
      await expect(start({ adminPort: 0, sidecarPort: 9100 })).rejects.toThrow(/EADDRINUSE/);
      // Ranks 0 and 1 (9200, 9201) and the admin port were let go: the same pod starts again.
      const again = await start({ adminPort: 0 });
      expect((await ask(`http://${host}:9201`)).status).toBe(200);
      await again.close();
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("each rank logs its own start-up line, numbered as vLLM numbers its API servers", async () => {
    const logs = logCollector();
    const ranks = await startVllmSim({ host: "127.0.78.14", port: 9300, dataParallelSize: 2, log: logs.log });
    await ranks.close();
    const started = logs.lines.filter((line) => line.includes("Starting vLLM API server"));
    expect(started.map((line) => line.slice(line.indexOf("Starting")))).toEqual([
      "Starting vLLM API server 0 on http://127.0.78.14:9300",
      "Starting vLLM API server 1 on http://127.0.78.14:9301",
    ]);
  });

  it("refuses a size outside 1…8 as inference-sim's validation does", async () => {
    await expect(startVllmSim({ host: HOST, port: 0, dataParallelSize: 9, log: silentSink })).rejects.toThrow(
      new StartupError("data parallel size must be between 1 and 8"),
    );
  });
});

describe("the sidecar's x-data-parallel-host-port", () => {
  it("forwards to the named rank's vLLM port", async () => {
    const answer = await ask(pod.podUrl, { "x-data-parallel-host-port": `${HOST}:8002` });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-inference-port")).toBe("8202");
  });

  it("without the header, or naming rank 0, the local decoder (rank 0) answers", async () => {
    expect((await ask(pod.podUrl)).headers.get("x-inference-port")).toBe("8200");
    const named = await ask(pod.podUrl, { "x-data-parallel-host-port": `${HOST}:8000` });
    expect(named.headers.get("x-inference-port")).toBe("8200");
  });

  it("answers 400 with no body for a host:port that is not one of its ranks (another pod's included)", async () => {
    for (const target of ["127.0.78.12:8001", `${HOST}:8003`, "10.0.0.1:8000"]) {
      const answer = await ask(pod.podUrl, { "x-data-parallel-host-port": target });
      expect(answer.status).toBe(400);
      expect(answer.text).toBe("");
    }
  });

  it("the sidecar's rank listener on port+1 fronts rank 1 and ignores the header", async () => {
    const answer = await ask(`http://${HOST}:8001`, { "x-data-parallel-host-port": "10.0.0.1:8000" });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("x-inference-port")).toBe("8201");
  });
});

describe("x-inference-pod (llm-d-inference-sim's POD_NAME / POD_NAMESPACE)", () => {
  it("a completion names the pod, its port and namespace; streamed ones too", async () => {
    const whole = await ask(`http://${HOST}:8200`);
    expect(whole.headers.get("x-inference-pod")).toBe("qwen3-decode-0");
    expect(whole.headers.get("x-inference-namespace")).toBe("llm");
    const streamed = await ask(`http://${HOST}:8200`, {}, { ...question, stream: true });
    expect(streamed.headers.get("x-inference-pod")).toBe("qwen3-decode-0");
    expect(streamed.headers.get("x-inference-port")).toBe("8200");
  });

  it("an error carries none, and a simulator given no pod sends none", async () => {
    const refused = await ask(`http://${HOST}:8200`, {}, { ...question, temperature: -1 });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("x-inference-pod")).toBeNull();
    const plain = await startVllmSim({ host: HOST, port: 0, timeScale: 0, log: silentSink });
    try {
      expect((await ask(plain.url)).headers.get("x-inference-pod")).toBeNull();
    } finally {
      await plain.close();
    }
  });
});
