import { parseArgs } from "node:util";
import { readServerAddress, serverAddressFile } from "@testbed/apimachinery";
import {
  type ClusterReport,
  type ClusterSnapshot,
  clusterReport,
  DEFAULT_CHAT_PATH,
  DEFAULT_GATEWAY,
  DEFAULT_MODEL,
  DEFAULT_NAMESPACE,
  DEFAULT_SELECTOR,
  formatReport,
  GatewayAddressError,
  gatewayAddress,
  gatewayUrl,
  type LoadOptions,
  LoadOptionsError,
  progressBar,
  runLoad,
  snapshotPods,
  validateLoadOptions,
  type Workload,
} from "@testbed/load";
import type { Command } from "../command.js";

const USAGE = `usage: testbed load [flags]

Send OpenAI chat completions at a concurrency or a rate (GuideLLM-like) and report latency
percentiles, errors by status and, on the testbed, the per-pod distribution by llm-d.ai/role and
the prefix-cache hit rate from the vLLM pods' metrics.

target (default: --gateway ${DEFAULT_GATEWAY}):
  --url URL              the chat completions endpoint itself
  --gateway NAME         a Gateway in openshift-ingress: https://<status.addresses[0].value><path>
  --path PATH            path behind the gateway (default ${DEFAULT_CHAT_PATH})
  --server URL           the testbed API server (default: $TESTBED_SERVER, else the address \`testbed up\` wrote);
                         with --url, giving it also measures the cluster's pods
  --namespace NS         where the vLLM pods run (default ${DEFAULT_NAMESPACE})
  --selector SELECTOR    which pods are vLLM pods (default ${DEFAULT_SELECTOR})
  --no-cluster           do not read the pods' metrics
load:
  --requests N           how many requests (default 100)
  --concurrency C        closed loop: C requests in flight (default 1)
  --rate R               open loop: R requests started per second (exclusive with --concurrency)
  --workload TYPE        shared-prefix (default) or random
  --prefix-tokens N      shared-prefix: tokens of the system prompt every request shares (default 512)
  --suffix-tokens N      shared-prefix: tokens unique to each request (default 64)
  --prompt-tokens N      random: tokens of each prompt (default 256)
  --output-tokens N      tokens generated per request (max_tokens with ignore_eos; default 64)
  --model NAME           model field of each request (default ${DEFAULT_MODEL})
  --stream               stream the answers (server-sent events): measures TTFT and ITL
  --api-key KEY          send Authorization: Bearer KEY
  --seed N               prompts are a pure function of (seed, request index) (default 0)
  --json                 print {summary, cluster} as JSON instead of the report
  -h, --help`;

/** Where the command writes; tests pass their own. */
export interface LoadIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (the progress bar is drawn only then). */
  errIsTty: boolean;
  env: NodeJS.ProcessEnv;
}

/** A flag problem: exit 2 with the message and the usage hint. */
class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

/** `testbed load`: the load generator on the command line. */
export const loadCommand: Command = {
  name: "load",
  summary: "send chat completions at a rate or concurrency; latency, errors, per-pod distribution, cache hits",
  run: (argv) =>
    runLoadCommand(argv, {
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
      errIsTty: process.stderr.isTTY === true,
      env: process.env,
    }),
};

export async function runLoadCommand(argv: string[], io: LoadIo): Promise<number> {
  let values: Values;
  let options: Omit<LoadOptions, "url">;
  try {
    values = parseFlags(argv);
    if (values.help) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    options = loadOptions(values);
    validateLoadOptions({ ...options, url: typeof values.url === "string" ? values.url : "https://target" });
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof LoadOptionsError || error instanceof TypeError)) throw error;
    io.err(`testbed load: error: ${(error as Error).message}\nRun 'testbed load --help' for the flags.\n`);
    return 2;
  }

  let target: Target;
  try {
    target = await resolveTarget(values, io.env);
  } catch (error) {
    if (!(error instanceof GatewayAddressError || error instanceof NoTestbedError)) throw error;
    io.err(`testbed load: ${error.message}\n`);
    return 1;
  }

  const podQuery = {
    namespace: (values.namespace as string | undefined) ?? DEFAULT_NAMESPACE,
    selector: (values.selector as string | undefined) ?? DEFAULT_SELECTOR,
  };
  let before: ClusterSnapshot | undefined;
  if (target.apiUrl) {
    try {
      before = await snapshotPods(target.apiUrl, podQuery.namespace, podQuery.selector, target.apiToken);
    } catch (error) {
      io.err(`testbed load: ${(error as Error).message}\n`);
      return 1;
    }
  }

  const bar = io.errIsTty ? progressBar(io.err) : undefined;
  const { summary } = await runLoad({
    ...options,
    url: target.url,
    onProgress: (done, total) => bar?.update(done, total),
  });
  bar?.finish();

  let cluster: ClusterReport | undefined;
  if (target.apiUrl && before) {
    try {
      cluster = clusterReport(
        before,
        await snapshotPods(target.apiUrl, podQuery.namespace, podQuery.selector, target.apiToken),
      );
    } catch (error) {
      io.err(`testbed load: warning: pod metrics after the run: ${(error as Error).message}\n`);
    }
  }

  if (values.json) {
    io.out(`${JSON.stringify({ summary, cluster: cluster ?? null }, null, 2)}\n`);
  } else {
    io.out(
      `Target:      ${target.url}\nWorkload:    ${describeWorkload(options)}\n${formatReport(summary, cluster)}\n`,
    );
  }
  return 0;
}

function parseFlags(argv: string[]): Values {
  try {
    return parseArgs({
      args: argv,
      options: {
        url: { type: "string" },
        gateway: { type: "string" },
        path: { type: "string" },
        server: { type: "string" },
        namespace: { type: "string" },
        selector: { type: "string" },
        "no-cluster": { type: "boolean" },
        requests: { type: "string" },
        concurrency: { type: "string" },
        rate: { type: "string" },
        workload: { type: "string" },
        "prefix-tokens": { type: "string" },
        "suffix-tokens": { type: "string" },
        "prompt-tokens": { type: "string" },
        "output-tokens": { type: "string" },
        model: { type: "string" },
        stream: { type: "boolean" },
        "api-key": { type: "string" },
        seed: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The run's options from the flags; every number is checked here so a typo never becomes NaN. */
function loadOptions(values: Values): Omit<LoadOptions, "url"> {
  if (values.url !== undefined && values.gateway !== undefined) {
    throw new UsageError("--url and --gateway are exclusive: give the endpoint or the gateway, not both");
  }
  if (values.rate !== undefined && values.concurrency !== undefined) {
    throw new UsageError("--rate and --concurrency are exclusive: choose an open or a closed loop");
  }
  if (values.url !== undefined && values.path !== undefined) {
    throw new UsageError("--path goes with --gateway; with --url, give the whole endpoint URL");
  }
  const type = (values.workload as string | undefined) ?? "shared-prefix";
  const outputTokens = integer(values, "output-tokens", 64);
  let workload: Workload;
  if (type === "shared-prefix") {
    if (values["prompt-tokens"] !== undefined) throw new UsageError("--prompt-tokens is for --workload random");
    workload = {
      type,
      prefixTokens: integer(values, "prefix-tokens", 512),
      suffixTokens: integer(values, "suffix-tokens", 64),
      outputTokens,
    };
  } else if (type === "random") {
    for (const flag of ["prefix-tokens", "suffix-tokens"]) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} is for --workload shared-prefix`);
    }
    workload = { type, promptTokens: integer(values, "prompt-tokens", 256), outputTokens };
  } else {
    throw new UsageError(`--workload must be shared-prefix or random, got '${type}'`);
  }
  const options: Omit<LoadOptions, "url"> = {
    model: (values.model as string | undefined) ?? DEFAULT_MODEL,
    requests: integer(values, "requests", 100),
    workload,
    stream: values.stream === true,
    seed: integer(values, "seed", 0),
  };
  if (values.rate !== undefined) options.rate = number(values, "rate");
  else options.concurrency = integer(values, "concurrency", 1);
  if (typeof values["api-key"] === "string") options.apiKey = values["api-key"];
  return options;
}

function integer(values: Values, flag: string, fallback: number): number {
  const text = values[flag];
  if (text === undefined) return fallback;
  if (typeof text !== "string" || !/^\d+$/.test(text)) {
    throw new UsageError(`--${flag} must be a non-negative integer, got '${String(text)}'`);
  }
  return Number(text);
}

function number(values: Values, flag: string): number {
  const text = String(values[flag]);
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new UsageError(`--${flag} must be a number, got '${text}'`);
  return value;
}

class NoTestbedError extends Error {}

interface Target {
  url: string;
  /** The API server whose pods are measured, when the cluster is. */
  apiUrl: string | undefined;
  /** Its bearer token (`$TESTBED_TOKEN` or the server file's). */
  apiToken?: string;
}

/**
 * `--url` is used as given (the cluster is measured only when `--server` is given too); otherwise
 * the gateway's address comes from the running testbed's API server, whose pods are then measured.
 */
async function resolveTarget(values: Values, env: NodeJS.ProcessEnv): Promise<Target> {
  const measure = values["no-cluster"] !== true;
  if (typeof values.url === "string") {
    const server = typeof values.server === "string" ? values.server : undefined;
    return { url: values.url, apiUrl: measure ? server : undefined, apiToken: env.TESTBED_TOKEN };
  }
  const address = await readServerAddress(values.server as string | undefined, env);
  if (!address) {
    throw new NoTestbedError(
      "no running testbed: start one with `npx testbed up`, or pass --server URL (or set TESTBED_SERVER), " +
        `or give the endpoint with --url (looked for ${serverAddressFile(env)})`,
    );
  }
  const gateway = (values.gateway as string | undefined) ?? DEFAULT_GATEWAY;
  const host = await gatewayAddress(address.url, gateway, undefined, address.token);
  return {
    url: gatewayUrl(host, (values.path as string | undefined) ?? DEFAULT_CHAT_PATH),
    apiUrl: measure ? address.url : undefined,
    apiToken: address.token,
  };
}

function describeWorkload(options: Omit<LoadOptions, "url">): string {
  const workload = options.workload;
  const shape =
    workload.type === "shared-prefix"
      ? `shared-prefix (${workload.prefixTokens} shared + ${workload.suffixTokens} unique prompt tokens, ${workload.outputTokens} output)`
      : `random (${workload.promptTokens} prompt tokens, ${workload.outputTokens} output)`;
  const loop = options.rate !== undefined ? `rate ${options.rate}/s` : `concurrency ${options.concurrency ?? 1}`;
  return `${shape}, ${options.requests} requests, ${loop}${options.stream ? ", streaming" : ""}, seed ${options.seed ?? 0}`;
}
