import { stderrSink } from "@testbed/common";
import {
  inferenceSimEnvironmentOptions,
  KvCacheTooSmallError,
  parseVllmArgs,
  StartupError,
  startVllmSim,
  VllmArgsError,
  vllmArgsUsage,
  vllmEnvironmentOptions,
} from "@testbed/vllm-sim";
import type { Command } from "../command.js";
import { waitForShutdownSignal } from "../shutdown.js";

/**
 * `testbed vllm-sim [flags]`: one simulated vLLM pod in the foreground. VLLM_ADDITIONAL_ARGS is
 * appended to the flags, as KServe's container command expands it after `vllm serve`.
 */
export const vllmSimCommand: Command = {
  name: "vllm-sim",
  summary: "run one simulated vLLM pod (OpenAI API, /metrics, KV cache, P/D sidecar)",
  async run(argv) {
    const extra = (process.env.VLLM_ADDITIONAL_ARGS ?? "").split(/\s+/).filter((arg) => arg !== "");
    let parsed: ReturnType<typeof parseVllmArgs>;
    try {
      parsed = parseVllmArgs([...argv, ...extra]);
    } catch (error) {
      if (!(error instanceof VllmArgsError)) throw error;
      process.stderr.write(`testbed vllm-sim: error: ${error.message}\n`);
      return 2;
    }
    if (parsed.help) {
      process.stdout.write(`${vllmArgsUsage()}\n`);
      return 0;
    }
    for (const flag of parsed.ignored) {
      stderrSink(`WARNING vllm-sim: accepted but not modelled, ignoring: ${flag}`);
    }
    try {
      // Listen for Ctrl-C before starting, so a signal during start-up still shuts down cleanly.
      const shutdown = waitForShutdownSignal();
      const pod = await startVllmSim({
        ...vllmEnvironmentOptions(process.env),
        // The drop-in for llm-d-inference-sim also reads the pod it runs in (x-inference-pod).
        ...inferenceSimEnvironmentOptions(process.env),
        ...parsed.options,
      });
      await shutdown;
      await pod.close();
      return 0;
    } catch (error) {
      if (error instanceof KvCacheTooSmallError) {
        process.stderr.write(`ValueError: ${error.message}\n`);
        return 1;
      }
      if (error instanceof StartupError || (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        process.stderr.write(`testbed vllm-sim: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
