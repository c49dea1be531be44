import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { GatewayConfigError, startGateway } from "@testbed/gateway";
import type { Command } from "../main.js";
import { waitForShutdownSignal } from "../shutdown.js";

const USAGE = `usage: testbed gateway --config envoy.yaml [--mesh-profile ossm-3.2|upstream]

Runs an Envoy-like gateway from an Envoy v3 bootstrap (YAML or JSON). Access log lines (Istio's
format) go to stdout; warnings about fields the testbed does not model go to stderr.

  --config FILE          the Envoy bootstrap
  --mesh-profile NAME    how ExtProcPerRoute merges with the base ext_proc filter:
                         ossm-3.2 (default; a route override only fills fields the base leaves
                         at default) or upstream (Envoy: the route's settings win)`;

/** `testbed gateway`: an Envoy-like gateway pod in the foreground. */
export const gatewayCommand: Command = {
  name: "gateway",
  summary: "run an Envoy-like gateway from an Envoy v3 config (ext_proc, ext_authz, ratelimit, admin)",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: "string" },
        "mesh-profile": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const profile = values["mesh-profile"] ?? "ossm-3.2";
    if (!values.config || (profile !== "ossm-3.2" && profile !== "upstream")) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    try {
      const text = await readFile(values.config, "utf8");
      const shutdown = waitForShutdownSignal();
      const gateway = await startGateway(text, { meshProfile: profile });
      for (const [name, url] of Object.entries(gateway.listenerUrls))
        process.stderr.write(`listener ${name} on ${url}\n`);
      if (gateway.adminUrl) process.stderr.write(`admin on ${gateway.adminUrl}\n`);
      await shutdown;
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
