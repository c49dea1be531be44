import { describe, expect, it } from "vitest";
import { parseVllmArgs, VllmArgsError } from "../src/vllm-args.js";

describe("vLLM-style arguments", () => {
  it("reads vLLM's flag names in both --flag value and --flag=value forms", () => {
    const { options, ignored } = parseVllmArgs([
      "--port",
      "8001",
      "--block-size=16",
      "--gpu-memory-utilization",
      "0.85",
      "--served-model-name",
      "qwen",
      "--max-model-len",
      "8192",
    ]);
    expect(options).toMatchObject({
      port: 8001,
      blockSize: 16,
      gpuMemoryUtilization: 0.85,
      servedModelName: ["qwen"],
      maxModelLen: 8192,
    });
    expect(ignored).toEqual([]);
  });

  it("turns prefix caching on and off like vLLM's boolean flags", () => {
    expect(parseVllmArgs(["--enable-prefix-caching"]).options.enablePrefixCaching).toBe(true);
    expect(parseVllmArgs(["--no-enable-prefix-caching"]).options.enablePrefixCaching).toBe(false);
  });

  it("accepts the seed's VLLM_ADDITIONAL_ARGS and real vLLM flags it does not model, with their values", () => {
    const { options, ignored } = parseVllmArgs([
      "--enable-prefix-caching",
      "--block-size=16",
      "--tensor-parallel-size",
      "1",
      "--trust-remote-code",
      "--kv-transfer-config",
      '{"kv_connector":"NixlConnector","kv_role":"kv_both"}',
    ]);
    expect(options).toMatchObject({ enablePrefixCaching: true, blockSize: 16 });
    expect(ignored).toEqual([
      "--tensor-parallel-size 1",
      "--trust-remote-code",
      '--kv-transfer-config {"kv_connector":"NixlConnector","kv_role":"kv_both"}',
    ]);
  });

  it("takes `vllm serve MODEL`'s positional model", () => {
    expect(parseVllmArgs(["Qwen/Qwen3-8B", "--port", "9000"]).options).toMatchObject({
      model: "Qwen/Qwen3-8B",
      port: 9000,
    });
  });

  it("rejects bad values with argparse-style messages", () => {
    expect(() => parseVllmArgs(["--port", "eighty"])).toThrow(
      new VllmArgsError("argument --port: invalid int value: 'eighty'"),
    );
    expect(() => parseVllmArgs(["--block-size", "12"])).toThrow(/invalid choice: '12'/);
    expect(() => parseVllmArgs(["--role", "chef"])).toThrow(/invalid choice: 'chef'/);
  });

  it("reads the simulator's own flags", () => {
    const { options } = parseVllmArgs([
      "--role",
      "prefill",
      "--time-scale",
      "0",
      "--gpu",
      "l4",
      "--sidecar-port",
      "8000",
    ]);
    expect(options).toMatchObject({ role: "prefill", timeScale: 0, gpu: "l4", sidecarPort: 8000 });
  });

  it("takes llm-d-inference-sim's command line: shared flags with their meaning, its own accepted with a warning", () => {
    const { options, ignored } = parseVllmArgs([
      "--model",
      "Qwen/Qwen3-0.6B",
      "--max-num-seqs",
      "5",
      "--max-model-len",
      "1024",
      "--kv-cache-size",
      "1024",
      "--max-loras",
      "2",
      "--mode",
      "echo",
      "--failure-injection-rate",
      "10",
      "--failure-types",
      "rate_limit",
      "--time-to-first-token",
      "200",
      "--inter-token-latency",
      "20",
      "--enable-kvcache",
    ]);
    expect(options).toMatchObject({
      maxNumSeqs: 5,
      maxModelLen: 1024,
      numGpuBlocksOverride: 1024,
      maxLoras: 2,
      mode: "echo",
      failureInjectionRate: 10,
      failureTypes: ["rate_limit"],
    });
    expect(ignored).toEqual(["--time-to-first-token 200", "--inter-token-latency 20", "--enable-kvcache"]);
  });

  it("reads the admin port and vLLM 0.11's serving flags", () => {
    const { options } = parseVllmArgs([
      "--admin-port=8100",
      "--enable-force-include-usage",
      "--enable-auto-tool-choice",
      "--tool-call-parser",
      "hermes",
      "--enable-request-id-headers",
    ]);
    expect(options).toMatchObject({
      adminPort: 8100,
      enableForceIncludeUsage: true,
      enableAutoToolChoice: true,
      toolCallParser: "hermes",
      enableRequestIdHeaders: true,
    });
  });
});
