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

const USAGE = `usage: testbed gateway --config envoy.yaml [--envoy 1.34|1.35.0|1.35|1.36|1.37] [--watch]

Runs an Envoy-like gateway from an Envoy v3 bootstrap (YAML or JSON). Access log lines (Istio's
format) go to stdout; warnings about fields the testbed does not model go to stderr.

  --config FILE          the Envoy bootstrap
  --envoy VERSION        the Envoy release to behave as (default 1.34, the Envoy of Istio 1.26):
                         1.34 ignores a route's ext_proc failure_mode_allow, 1.35+ honours it
  --watch                reload the config when the file changes (requests in flight finish on
                         the old one), as istiod pushes a new config to Envoy`;

/** `testbed gateway`: an Envoy-like gateway pod in the foreground. */
export const gatewayCommand: Command = {
  name: "gateway",
  summary: "run an Envoy-like gateway from an Envoy v3 config (ext_proc, ext_authz, ratelimit, admin)",
  async run(argv) {
    const parsed = parseCommandFlags("gateway", USAGE, {
      args: argv,
      options: {
        config: { type: "string" },
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
    if (!values.config) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    try {
      const text = await readFile(values.config, "utf8");
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
      const stopWatching = values.watch ? watchConfig(values.config, gateway) : () => {};
      await shutdown;
      stopWatching();
      await gateway.close();
      return 0;
    } catch (error) {
      if (error instanceof GatewayConfigError || (error as NodeJS.ErrnoException).code === "ENOENT") {
        process.stderr.write(`testbed gateway: ${values.config}: ${(error as Error).message}\n`);
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
