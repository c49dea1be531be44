import { readFile } from "node:fs/promises";
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
import { parseCommandFlags } from "../command-flags.js";
import { waitForShutdownSignal } from "../shutdown.js";

const AUTHORINO_USAGE = `usage: testbed authorino --config FILE [--host 127.0.0.1] [--port 50051]

Runs Authorino's ext_authz Check service (gRPC) from one multi-document YAML file holding
AuthConfigs (authorino.kuadrant.io/v1beta3) and the API-key Secrets they select.`;

const LIMITADOR_USAGE = `usage: testbed limitador --limits FILE [--host 127.0.0.1] [--port 8081] [--rate-limit-headers DRAFT_VERSION_03]

Runs Limitador's ShouldRateLimit service (gRPC) from a Limitador limits file.`;

const MAAS_USAGE = `usage: testbed maas mint --user NAME --tier ${MAAS_TIERS.join("|")}

Prints a new API key for the user's tier and, as YAML, the Secret that holds it.`;

const HELP = { type: "boolean", short: "h" } as const;

/** `testbed authorino --config FILE`: AuthConfigs and API-key Secrets (one multi-document YAML). */
export const authorinoCommand: Command = {
  name: "authorino",
  summary: "run Authorino (ext_authz Check) from AuthConfigs and API-key Secrets",
  async run(argv) {
    const parsed = parseCommandFlags("authorino", AUTHORINO_USAGE, {
      args: argv,
      options: { config: { type: "string" }, host: { type: "string" }, port: { type: "string" }, help: HELP },
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const config = values.config;
    if (!config) {
      process.stderr.write(`testbed authorino: --config is required\n${AUTHORINO_USAGE}\n`);
      return 2;
    }
    try {
      const documents = parseAllDocuments(await readFile(config, "utf8")).map((d) => d.toJS() as { kind?: string });
      const authConfigs = documents
        .filter((d) => d?.kind === "AuthConfig")
        .map((d, i) => readAuthConfig(d, `${config}[${i}]`));
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
    const parsed = parseCommandFlags("limitador", LIMITADOR_USAGE, {
      args: argv,
      options: {
        limits: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        "rate-limit-headers": { type: "string" },
        help: HELP,
      },
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const limitsFile = values.limits;
    if (!limitsFile) {
      process.stderr.write(`testbed limitador: --limits is required\n${LIMITADOR_USAGE}\n`);
      return 2;
    }
    try {
      const limits = parseLimitsFile(await readFile(limitsFile, "utf8"), limitsFile);
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
    if (verb === "--help" || verb === "-h") {
      process.stdout.write(`${MAAS_USAGE}\n`);
      return 0;
    }
    const parsed = parseCommandFlags("maas", MAAS_USAGE, {
      args: rest,
      options: { user: { type: "string" }, tier: { type: "string" }, help: HELP },
    });
    if (typeof parsed === "number") return parsed;
    const { user, tier } = parsed.values;
    if (verb !== "mint" || !user || !MAAS_TIERS.includes(tier as MaasTier)) {
      process.stderr.write(`${MAAS_USAGE}\n`);
      return 2;
    }
    const { key, secret } = mintApiKey(user, tier as MaasTier);
    process.stdout.write(`# API key for ${user} (${tier}): use it as "Authorization: Bearer ${key}"\n`);
    process.stdout.write(stringify({ apiVersion: "v1", kind: "Secret", type: "Opaque", ...secret }));
    return 0;
  },
};
