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
    const poolGroup = flagValue(context.argv, "pool-group") ?? "inference.networking.x-k8s.io";
    const args = withoutFlag(context.argv, "pool-group");
    let parsed: ReturnType<typeof parseEppArgs>;
    try {
      parsed = parseEppArgs(args);
    } catch (error) {
      if (error instanceof EppArgsError)
        throw new ContainerStartError(`flag provided but not defined: ${error.message}`, 2);
      throw error;
    }
    const options = parsed.options;
    const namespace = options.poolNamespace ?? context.pod.metadata.namespace ?? "default";
    if (!options.poolName) throw new ContainerStartError("required flag --pool-name not set", 1);
    const source = new InferencePoolEndpointSource(context.cluster.store, {
      group: poolGroup,
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
      };
    } catch (error) {
      source.close();
      throw new ContainerStartError((error as Error).message, 1);
    }
  },
};

function flagValue(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === `--${name}` || arg === `-${name}`) return argv[i + 1];
    const prefix = arg.startsWith(`--${name}=`) ? `--${name}=` : arg.startsWith(`-${name}=`) ? `-${name}=` : undefined;
    if (prefix) return arg.slice(prefix.length);
  }
  return undefined;
}

function withoutFlag(argv: string[], name: string): string[] {
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === `--${name}` || arg === `-${name}`) {
      i++;
      continue;
    }
    if (arg.startsWith(`--${name}=`) || arg.startsWith(`-${name}=`)) continue;
    result.push(arg);
  }
  return result;
}
