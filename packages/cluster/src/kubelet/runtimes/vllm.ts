import { existsSync, readFileSync } from "node:fs";
import { hashString } from "@testbed/common";
import type { PodRole } from "@testbed/vllm-sim";
import { type ContainerContext, type ContainerImage, ContainerStartError } from "./container-runtime.js";
import { MODEL_MARKER } from "./storage-initializer.js";

/**
 * A vLLM image (`vllm-cuda-rhel9`, `vllm-openai`, `llm-d-inference-sim`, …) runs the simulator with
 * the container's own `vllm serve` command line: the model comes from the directory the storage
 * initializer filled, certificate paths resolve inside the pod, the GPU is the node's, and the
 * address is the pod's IP.
 */
export const vllmImage: ContainerImage = {
  name: "vllm",
  matches: (repository) => repository.includes("vllm") || repository === "llm-d-inference-sim",
  async start(context) {
    // Loaded on first use, so a pod process (`--isolation process`) loads only its own program.
    const vllm = await import("@testbed/vllm-sim");
    const options = vllmOptions(context, vllm);
    const { StartupError, startVllmSim } = vllm;
    try {
      const pod = await startVllmSim(options);
      return { stop: () => pod.close() };
    } catch (error) {
      if (error instanceof StartupError) throw new ContainerStartError(error.message, 1);
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new ContainerStartError(
          `[Errno 98] error while attempting to bind on address: address already in use`,
          1,
        );
      }
      throw error;
    }
  },
};

/** Where a pod's vllm-sim admin API listens unless --admin-port says otherwise (reached with `oc exec … curl`). */
const VLLM_SIM_ADMIN_PORT = 8100;

function vllmOptions(context: ContainerContext, vllm: typeof import("@testbed/vllm-sim")) {
  const args = dropServeCommand(context.argv);
  let parsed: ReturnType<typeof vllm.parseVllmArgs>;
  try {
    parsed = vllm.parseVllmArgs(args);
  } catch (error) {
    if (error instanceof vllm.VllmArgsError) throw new ContainerStartError(`vllm serve: error: ${error.message}`, 2);
    throw error;
  }
  for (const flag of parsed.ignored) context.log(`WARNING vllm-sim: accepted but not modelled, ignoring: ${flag}`);
  const options = parsed.options;
  const simulated = isSimulator(context);
  if (!simulated && !context.node.gpuProfile) {
    throw new ContainerStartError("RuntimeError: No CUDA GPUs are available", 1);
  }
  return {
    // vLLM reads VLLM_ALLOW_RUNTIME_LORA_UPDATING from its environment; llm-d-inference-sim reads
    // POD_NAME / POD_NAMESPACE (x-inference-pod), which vLLM ignores.
    ...vllm.vllmEnvironmentOptions(context.env),
    ...(simulated ? vllm.inferenceSimEnvironmentOptions(context.env) : {}),
    ...options,
    // --data-parallel-size starts ranks on port+1… only in llm-d-inference-sim; vLLM serves every rank
    // behind its one port (serve.py: one listening socket, shared by its API servers).
    ...(simulated ? {} : { dataParallelSize: 1 }),
    model: resolveModel(context, options.model),
    host: context.podIP,
    // A simulator image needs no GPU: it simulates the one its --gpu names (charts/vllm-sim, llm-d-inference-sim).
    // A CPU node's profile is "": the simulator then simulates a T4.
    gpu: simulated ? options.gpu || context.node.gpuProfile || "t4" : context.node.gpuProfile,
    sslCertfile: options.sslCertfile ? context.fs.resolve(options.sslCertfile) : undefined,
    sslKeyfile: options.sslKeyfile ? context.fs.resolve(options.sslKeyfile) : undefined,
    role: podRole(context),
    timeScale: context.cluster.timeScale,
    seed: hashString(`${context.cluster.seed}/${context.pod.metadata.name}`),
    clock: context.cluster.clock,
    log: context.log,
    loadTokenizerAtStart: context.cluster.sharedTokenizer !== true,
    // vllm-sim's admin API (faults, forced metrics) on a port no Service targets: the gateways never reach it.
    adminPort: options.adminPort ?? VLLM_SIM_ADMIN_PORT,
  };
}

/**
 * A simulator rather than vLLM: the testbed's own `testbed vllm-sim` command line (as charts/vllm-sim
 * runs it) or llm-d-inference-sim's image. vLLM itself fails without a GPU on the node.
 */
function isSimulator(context: ContainerContext): boolean {
  const repository = context.container.image?.split("@")[0]?.split(":")[0]?.split("/").pop() ?? "";
  return context.argv[0] === "vllm-sim" || repository === "llm-d-inference-sim";
}

/** `vllm serve MODEL …` and `python -m vllm.entrypoints.openai.api_server …` both leave the flags. */
function dropServeCommand(argv: string[]): string[] {
  if (argv[0]?.endsWith("vllm") && argv[1] === "serve") return argv.slice(2);
  const moduleIndex = argv.indexOf("-m");
  if (moduleIndex >= 0 && argv[moduleIndex + 1]?.startsWith("vllm.")) return argv.slice(moduleIndex + 2);
  return argv[0]?.startsWith("-") ? argv : argv.slice(1);
}

/** A model path inside the pod names the model the storage initializer put there. */
function resolveModel(context: ContainerContext, model: string | undefined): string | undefined {
  if (!model?.startsWith("/")) return model;
  const marker = context.fs.resolve(`${model}/${MODEL_MARKER}`);
  if (!existsSync(marker)) {
    throw new ContainerStartError(
      `OSError: Can't load the configuration of '${model}'. The directory is empty: was the storage initializer run?`,
      1,
    );
  }
  return readFileSync(marker, "utf8").trim();
}

function podRole(context: ContainerContext): PodRole {
  const role = context.pod.metadata.labels?.["llm-d.ai/role"];
  return role === "prefill" || role === "decode" ? role : "both";
}
