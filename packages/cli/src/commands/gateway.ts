import { watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import {
  DEFAULT_ENVOY_VERSION,
  ENVOY_VERSIONS,
  GatewayConfigError,
  isEnvoyVersion,
  startGateway,
} from "@testbed/gateway";
import type { Command } from "../command.js";
import { parseCommandFlags } from "../command-flags.js";
import { waitForShutdownSignal } from "../shutdown.js";
import { configDumpBootstrap } from "./gateway-config-dump.js";

const USAGE = `usage: testbed gateway --config envoy.yaml [--envoy 1.34|1.35.0|1.35|1.36|1.37] [--watch]
       testbed gateway --config-dump config_dump.json [--testbed] [--map-cluster NAME=ADDR:PORT[,…]]…

Runs an Envoy-like gateway from an Envoy v3 bootstrap (YAML or JSON). Access log lines (Istio's
format) go to stdout; warnings about fields the testbed does not model go to stderr.

  --config FILE          the Envoy bootstrap
  --envoy VERSION        the Envoy release to behave as (default 1.34, the Envoy of Istio 1.26):
                         1.34 ignores a route's ext_proc failure_mode_allow, 1.35+ honours it
  --watch                reload the config when the file changes (requests in flight finish on
                         the old one), as istiod pushes a new config to Envoy

A customer's gateway (the JSON \`oc exec <gateway pod> -c istio-proxy -- pilot-agent request GET
config_dump\` prints), its listeners, routes, filters and clusters, run against local pods:
  --config-dump FILE     run that /config_dump: RDS routes, EDS clusters and SDS certificates inlined
  --testbed              map every cluster onto the running testbed's cluster of the same name (its pods),
                         and the customer's CA files onto the testbed's service CA
  --testbed-gateway NAME the testbed Gateway whose clusters to map onto (default openshift-ai-inference)
  --map-cluster NAME=ADDR:PORT[,ADDR:PORT]   a cluster's endpoints (repeatable; wins over --testbed)
  --trust FILE           the CA file to read wherever the dump names one (file-root:<path>)
  --listen HOST          the address listeners and admin bind (default 127.0.0.1)
  --free-ports           bind listeners on free ports instead of the dump's (443 needs privileges)`;

/** `testbed gateway`: an Envoy-like gateway pod in the foreground. */
export const gatewayCommand: Command = {
  name: "gateway",
  summary: "run an Envoy-like gateway from an Envoy v3 config (ext_proc, ext_authz, ratelimit, admin)",
  async run(argv) {
    const parsed = parseCommandFlags("gateway", USAGE, {
      args: argv,
      options: {
        config: { type: "string" },
        "config-dump": { type: "string" },
        testbed: { type: "boolean" },
        "testbed-gateway": { type: "string" },
        "map-cluster": { type: "string", multiple: true },
        trust: { type: "string" },
        listen: { type: "string" },
        "free-ports": { type: "boolean" },
        envoy: { type: "string" },
        watch: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const envoyVersion = values.envoy ?? DEFAULT_ENVOY_VERSION;
    if (!isEnvoyVersion(envoyVersion)) {
      process.stderr.write(
        `testbed gateway: --envoy must be one of ${ENVOY_VERSIONS.join(", ")}, got ${envoyVersion}\n`,
      );
      return 2;
    }
    const file = values.config ?? values["config-dump"];
    if (!file || (values.config && values["config-dump"])) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    try {
      let text: string | Record<string, unknown>;
      if (values["config-dump"]) {
        const converted = await configDumpBootstrap({
          file,
          mapCluster: values["map-cluster"] ?? [],
          ...(values.testbed ? { testbedGateway: values["testbed-gateway"] ?? "openshift-ai-inference" } : {}),
          ...(values.trust ? { trust: values.trust } : {}),
          listen: values.listen ?? "127.0.0.1",
          freePorts: values["free-ports"] === true,
        });
        for (const line of converted.report) process.stderr.write(`${line}\n`);
        text = converted.bootstrap;
      } else {
        text = await readFile(file, "utf8");
      }
      const shutdown = waitForShutdownSignal();
      const gateway = await startGateway(text, { envoyVersion });
      for (const [name, url] of Object.entries(gateway.listenerUrls)) {
        process.stderr.write(`listener ${name} on ${url}\n`);
        warnIfExposed(`listener ${name}`, url);
      }
      if (gateway.adminUrl) {
        process.stderr.write(`admin on ${gateway.adminUrl}\n`);
        warnIfExposed(
          "the admin interface (/config_dump, /quitquitquit: no authentication, as Envoy's)",
          gateway.adminUrl,
        );
      }
      const stopWatching = values.watch && values.config ? watchConfig(values.config, gateway) : () => {};
      await shutdown;
      stopWatching();
      await gateway.close();
      return 0;
    } catch (error) {
      if (error instanceof GatewayConfigError || (error as NodeJS.ErrnoException).code === "ENOENT") {
        process.stderr.write(`testbed gateway: ${file}: ${(error as Error).message}\n`);
        return 1;
      }
      if ((error as Error).message.startsWith("--")) {
        process.stderr.write(`testbed gateway: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  },
};

/** Say so when an address other machines can reach is bound (the config asked for it; Envoy would not warn). */
function warnIfExposed(what: string, url: string): void {
  const warning = exposureWarning(what, url);
  if (warning) process.stderr.write(`${warning}\n`);
}

/** The warning for `url` when its host is not a loopback address, else undefined. */
export function exposureWarning(what: string, url: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || host === "::1" || /^127\./.test(host);
  return loopback ? undefined : `warning: ${what} is bound to ${host}, reachable beyond this machine`;
}

/**
 * Reload the bootstrap when its file changes (docker compose's way of applying an EnvoyFilter:
 * render the config again). A config that does not read is reported and the running one kept.
 */
function watchConfig(file: string, gateway: Awaited<ReturnType<typeof startGateway>>): () => void {
  let last = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reload = async () => {
    try {
      const text = await readFile(file, "utf8");
      if (text === last) return;
      last = text;
      const warnings = await gateway.update(text);
      process.stderr.write(`config reloaded from ${file}${warnings.length ? ` (${warnings.length} warnings)` : ""}\n`);
    } catch (error) {
      process.stderr.write(`testbed gateway: ${file}: keeping the running config: ${(error as Error).message}\n`);
    }
  };
  void readFile(file, "utf8").then((text) => {
    last = text;
  });
  // Watch the directory: editors and `docker compose` bind mounts replace the file rather than write it.
  const watcher = watch(dirname(file), () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), 100);
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
