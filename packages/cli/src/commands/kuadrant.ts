import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  AuthConfigError,
  type KubernetesSecret,
  LimitsFileError,
  MAAS_TIERS,
  type MaasTier,
  mintApiKey,
  parseLimitsFile,
  readAuthConfig,
  startAuthorino,
  startLimitador,
} from "@testbed/kuadrant";
import { parseAllDocuments, stringify } from "yaml";
import type { Command } from "../command.js";
import { waitForShutdownSignal } from "../shutdown.js";

/** `testbed authorino --config FILE`: AuthConfigs and API-key Secrets (one multi-document YAML). */
export const authorinoCommand: Command = {
  name: "authorino",
  summary: "run Authorino (ext_authz Check) from AuthConfigs and API-key Secrets",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { config: { type: "string" }, host: { type: "string" }, port: { type: "string" } },
    });
    if (!values.config) {
      process.stderr.write(
        "usage: testbed authorino --config authconfigs-and-secrets.yaml [--host 127.0.0.1] [--port 50051]\n",
      );
      return 2;
    }
    try {
      const documents = parseAllDocuments(await readFile(values.config, "utf8")).map(
        (d) => d.toJS() as { kind?: string },
      );
      const authConfigs = documents
        .filter((d) => d?.kind === "AuthConfig")
        .map((d, i) => readAuthConfig(d, `${values.config}[${i}]`));
      const secrets = documents.filter((d) => d?.kind === "Secret") as unknown as KubernetesSecret[];
      const shutdown = waitForShutdownSignal();
      const authorino = await startAuthorino({
        host: values.host ?? "127.0.0.1",
        port: Number(values.port ?? 50051),
        authConfigs,
        secrets,
      });
      await shutdown;
      await authorino.close();
      return 0;
    } catch (error) {
      if (error instanceof AuthConfigError || (error as NodeJS.ErrnoException).code === "ENOENT") {
        process.stderr.write(`testbed authorino: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  },
};

/** `testbed limitador --limits FILE`: Limitador's limits file format. */
export const limitadorCommand: Command = {
  name: "limitador",
  summary: "run Limitador (ShouldRateLimit) from a Limitador limits file",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        limits: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "rate-limit-headers": { type: "string" },
      },
    });
    if (!values.limits) {
      process.stderr.write(
        "usage: testbed limitador --limits limits.yaml [--port 8081] [--rate-limit-headers DRAFT_VERSION_03]\n",
      );
      return 2;
    }
    try {
      const limits = parseLimitsFile(await readFile(values.limits, "utf8"), values.limits);
      const shutdown = waitForShutdownSignal();
      const limitador = await startLimitador({
        host: values.host ?? "127.0.0.1",
        port: Number(values.port ?? 8081),
        limits,
        rateLimitHeaders: values["rate-limit-headers"] === "DRAFT_VERSION_03" ? "DRAFT_VERSION_03" : "NONE",
      });
      await shutdown;
      await limitador.close();
      return 0;
    } catch (error) {
      if (error instanceof LimitsFileError || (error as NodeJS.ErrnoException).code === "ENOENT") {
        process.stderr.write(`testbed limitador: ${(error as Error).message}\n`);
        return 1;
      }
      throw error;
    }
  },
};

/** `testbed maas mint --user alice --tier free`: a new API key and the Secret that holds it. */
export const maasCommand: Command = {
  name: "maas",
  summary: "MaaS helpers: `maas mint --user NAME --tier free|premium|enterprise` makes an API key",
  async run(argv) {
    const [verb, ...rest] = argv;
    const { values } = parseArgs({ args: rest, options: { user: { type: "string" }, tier: { type: "string" } } });
    if (verb !== "mint" || !values.user || !MAAS_TIERS.includes(values.tier as MaasTier)) {
      process.stderr.write(`usage: testbed maas mint --user NAME --tier ${MAAS_TIERS.join("|")}\n`);
      return 2;
    }
    const { key, secret } = mintApiKey(values.user, values.tier as MaasTier);
    process.stdout.write(`# API key for ${values.user} (${values.tier}): use it as "Authorization: Bearer ${key}"\n`);
    process.stdout.write(stringify({ apiVersion: "v1", kind: "Secret", type: "Opaque", ...secret }));
    return 0;
  },
};
