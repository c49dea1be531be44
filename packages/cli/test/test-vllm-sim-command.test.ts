// `testbed vllm-sim` in its own process, as a user runs it: flags, refusals, start-up lines.
import { describe, expect, it } from "vitest";
import { runTestbed } from "./command-runs.js";

describe("testbed vllm-sim", () => {
  it("prints its flags with --help", async () => {
    const run = await runTestbed(["vllm-sim", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("--[no-]enable-prefix-caching");
  });

  it("exits 2 with argparse's message on a bad flag value", async () => {
    const run = await runTestbed(["vllm-sim", "--block-size", "7"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("argument --block-size: invalid choice: '7'");
  });

  it("refuses to start with vLLM's ValueError when the KV cache cannot hold max_model_len", async () => {
    const run = await runTestbed(["vllm-sim", "--port", "0", "--num-gpu-blocks-override", "100"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("ValueError: To serve at least one request with the models's max seq len (40960)");
  });

  it("starts, appends VLLM_ADDITIONAL_ARGS, warns about unmodelled flags, prints vLLM's start-up lines", async () => {
    const run = await runTestbed(["vllm-sim", "--port", "0", "--tensor-parallel-size", "1"], {
      env: { VLLM_ADDITIONAL_ARGS: "--enable-prefix-caching --block-size=16" },
      readyWhen: /Starting vLLM API server 0 on http:\/\/127\.0\.0\.1:\d+/,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("accepted but not modelled, ignoring: --tensor-parallel-size 1");
    expect(run.stderr).toContain(
      "Your device 'Tesla T4' (with compute capability 7.5) doesn't support torch.bfloat16. Falling back to torch.float16 for compatibility.",
    );
    expect(run.stderr).toMatch(/GPU KV cache size: \d{2},\d{3} tokens/);
    expect(run.stderr).not.toContain("Prefix caching is disabled");
  });

  it("rejects an unknown command", async () => {
    const run = await runTestbed(["frobnicate"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
  });
});
