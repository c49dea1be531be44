import { hashString } from "@testbed/common";
import { InferencePoolEndpointSource } from "../../discovery/inference-pool-source.js";
import { type ContainerImage, ContainerStartError } from "./container-runtime.js";

/**
 * The Endpoint Picker image (`llm-d-inference-scheduler`, or the upstream `epp`): our EPP with the
 * container's own flags. It discovers its InferencePool's pods from the API (selector → Ready pods),
 * and file flags (`--cert-path`, `--config-file`) resolve inside the pod — so a scheduler started
 * with `--secure-serving` but no `--cert-path` serves a self-signed certificate, as the real one does.
 */
export const schedulerImage: ContainerImage = {
  name: "llm-d-inference-scheduler",
  matches: (repository) => repository.includes("inference-scheduler") || repository === "epp",
  async start(context) {
    const { EppArgsError, parseEppArgs, startEpp } = await import("@testbed/epp");
    let parsed: ReturnType<typeof parseEppArgs>;
    try {
      parsed = parseEppArgs(context.argv);
    } catch (error) {
      if (error instanceof EppArgsError)
        throw new ContainerStartError(`flag provided but not defined: ${error.message}`, 2);
      throw error;
    }
    const options = parsed.options;
    const namespace = options.poolNamespace ?? context.pod.metadata.namespace ?? "default";
    if (!options.poolName) throw new ContainerStartError("required flag --pool-name not set", 1);
    const source = new InferencePoolEndpointSource(context.cluster.store, {
      group: options.poolGroup ?? "inference.networking.k8s.io",
      namespace,
      name: options.poolName,
    });
    try {
      const epp = await startEpp({
        ...options,
        poolNamespace: namespace,
        host: context.podIP,
        certPath: options.certPath ? context.fs.resolve(options.certPath) : undefined,
        configFile: options.configFile ? context.fs.resolve(options.configFile) : undefined,
        endpointSource: source,
        randomSeed: hashString(`${context.cluster.seed}/${context.pod.metadata.name}`),
        clock: context.cluster.clock,
        log: context.log,
      });
      return {
        async stop() {
          source.close();
          await epp.close();
        },
        async settle() {
          await epp.settle();
        },
      };
    } catch (error) {
      source.close();
      throw new ContainerStartError((error as Error).message, 1);
    }
  },
};
