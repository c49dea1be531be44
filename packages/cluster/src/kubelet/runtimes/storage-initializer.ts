import type { ContainerImage } from "./container-runtime.js";
import { ContainerStartError } from "./container-runtime.js";

/** Where the simulated download leaves the model id, for the vLLM container to read. */
export const MODEL_MARKER = ".testbed-model-id";

/**
 * KServe's storage initializer (`<uri> <dest>`): offline there is nothing to download, so it
 * records which model the URI names (`hf://Qwen/Qwen3-0.6B` → `Qwen/Qwen3-0.6B`) in the model
 * directory, and exits 0 — vLLM then "loads" that model's architecture.
 */
export const storageInitializerImage: ContainerImage = {
  name: "storage-initializer",
  matches: (repository) => repository.includes("storage-initializer"),
  async start(context) {
    const [uri, destination] = context.argv.filter((arg) => !arg.startsWith("-")).slice(-2);
    if (!uri || !destination) throw new ContainerStartError("usage: storage-initializer <src_uri> <dest_path>");
    const match = /^(hf|pvc|s3|oci|gs):\/\/(.+)$/.exec(uri);
    if (!match?.[2]) throw new ContainerStartError(`unsupported storage URI ${uri}`);
    context.fs.writeFile(`${destination}/${MODEL_MARKER}`, match[2]);
    context.log(`INFO:root:Initializing, args: src_uri [${uri}] dest_path[ [${destination}]`);
    context.log(`INFO:root:Successfully copied ${uri} to ${destination}`);
    setImmediate(() => context.exited(0, "Completed"));
    return { stop: async () => {} };
  },
};
