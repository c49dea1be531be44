import { readFileSync, watch } from "node:fs";
import { dirname } from "node:path";
import { matchesSelector, parseSelector } from "@testbed/apimachinery";
import type { AuthConfig, KubernetesSecret } from "@testbed/kuadrant";
import { type ContainerImage, ContainerStartError } from "./container-runtime.js";

const AUTHORINO_PORT = 50051;

/**
 * Authorino: serves ext_authz on 50051 and, like the real one, watches the cluster for AuthConfig
 * objects and for API-key Secrets carrying its `--secret-label-selectors` label, applying changes live.
 */
export const authorinoImage: ContainerImage = {
  name: "authorino",
  matches: (repository) => repository === "authorino",
  async start(context) {
    const selectorFlag = context.argv.find((arg) => arg.startsWith("--secret-label-selectors="));
    const secretSelector = parseSelector(
      selectorFlag?.split("=").slice(1).join("=") ?? "authorino.kuadrant.io/managed-by=authorino",
    );
    const { readAuthConfig, startAuthorino } = await import("@testbed/kuadrant");
    const store = context.cluster.store;
    const authorino = await startAuthorino({
      host: context.podIP,
      port: AUTHORINO_PORT,
      log: context.log,
      clock: context.cluster.clock,
    });
    const sync = () => {
      const configs: AuthConfig[] = [];
      for (const object of store.list("authorino.kuadrant.io/AuthConfig")) {
        try {
          configs.push(readAuthConfig(object, `AuthConfig ${object.metadata.namespace}/${object.metadata.name}`));
        } catch (error) {
          context.log(
            `{"level":"error","msg":"invalid AuthConfig ${object.metadata.namespace}/${object.metadata.name}: ${(error as Error).message}"}`,
          );
        }
      }
      authorino.engine.setAuthConfigs(configs);
      const secrets = store.list("Secret").filter((s) => matchesSelector(secretSelector, s.metadata.labels));
      authorino.engine.setSecrets(secrets as unknown as KubernetesSecret[]);
    };
    sync();
    const unwatch = store.watch((event) => {
      if (event.key === "Secret" || event.key === "authorino.kuadrant.io/AuthConfig") sync();
    });
    return {
      async stop() {
        unwatch();
        await authorino.close();
      },
    };
  },
};

/**
 * Limitador: `limitador-server [--rls-port P] [--rate-limit-headers H] LIMITS_FILE memory`. The
 * limits file sits in a ConfigMap volume; when the kubelet rewrites it, Limitador reloads it
 * (a broken file is logged and the previous limits stay), as the real server does.
 */
export const limitadorImage: ContainerImage = {
  name: "limitador",
  matches: (repository) => repository === "limitador",
  async start(context) {
    const args = context.argv[0]?.endsWith("limitador-server") ? context.argv.slice(1) : context.argv;
    const flag = (name: string) => {
      const index = args.indexOf(name);
      return index >= 0 ? args[index + 1] : undefined;
    };
    const positional = args.filter((arg, i) => !arg.startsWith("--") && !args[i - 1]?.startsWith("--"));
    const file = positional[0];
    if (!file)
      throw new ContainerStartError("error: the following required arguments were not provided: <LIMITS_FILE>", 2);
    const { parseLimitsFile, startLimitador } = await import("@testbed/kuadrant");
    const hostPath = context.fs.resolve(file);
    let loadedText = readFileSync(hostPath, "utf8");
    let limits: ReturnType<typeof parseLimitsFile>;
    try {
      limits = parseLimitsFile(loadedText, file);
    } catch (error) {
      throw new ContainerStartError(`Failed to load limits file: ${(error as Error).message}`, 1);
    }
    const limitador = await startLimitador({
      host: context.podIP,
      port: Number(flag("--rls-port") ?? 8081),
      limits,
      rateLimitHeaders: flag("--rate-limit-headers") === "DRAFT_VERSION_03" ? "DRAFT_VERSION_03" : "NONE",
      clock: context.cluster.clock,
      log: context.log,
    });
    const reload = () => {
      const text = readFileSync(hostPath, "utf8");
      if (text === loadedText) return;
      try {
        const next = parseLimitsFile(text, file);
        limitador.setLimits(next);
        loadedText = text;
        context.log(`INFO limitador: reloaded ${next.length} limits from ${file}`);
      } catch (error) {
        context.log(`ERROR limitador: keeping the previous limits: ${(error as Error).message}`);
      }
    };
    const watcher = watch(dirname(hostPath), reload);
    // The file may have changed while the server was starting, before the watcher existed.
    reload();
    return {
      async stop() {
        watcher.close();
        await limitador.close();
      },
    };
  },
};
