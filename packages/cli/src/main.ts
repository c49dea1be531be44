// The `testbed` shell: a table of sub-commands, each loaded only when it runs (the way kind does it).
import type { Command, CommandEntry } from "./command.js";

/** Every sub-command, in `testbed --help` order; a summary here matches the command's own (a test checks). */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "up",
    summary: "start the simulated cluster (the RHOAI 3.2 topology, bugs included) in the foreground",
    load: async () => (await import("./commands/up.js")).upCommand,
  },
  {
    name: "oc",
    summary: "oc for the running testbed: get, describe, apply, create, patch, delete, logs, exec",
    load: async () => (await import("./commands/oc.js")).ocCommand,
  },
  {
    name: "kubeconfig",
    summary: "print the path of the running testbed's kubeconfig (for your own kubectl, oc, helm)",
    load: async () => (await import("./commands/kubeconfig.js")).kubeconfigCommand,
  },
  {
    name: "trace",
    summary: "explain a request: route, filters, ext_proc stream, the EPP's scores per pod, upstream, vLLM",
    load: async () => (await import("./commands/trace.js")).traceCommand,
  },
  {
    name: "load",
    summary: "send chat completions at a rate or concurrency; latency, errors, per-pod distribution, cache hits",
    load: async () => (await import("./commands/load.js")).loadCommand,
  },
  {
    name: "scenario",
    summary: "list the shipped scenarios, or run one (a report per step, exit code 1 on a failed expectation)",
    load: async () => (await import("./commands/scenario.js")).scenarioCommand,
  },
  {
    name: "render",
    summary: "render docker-compose.yml and the containers' configs from the embedded testbed",
    load: async () => (await import("./commands/render.js")).renderCommand,
  },
  {
    name: "vllm-sim",
    summary: "run one simulated vLLM pod (OpenAI API, /metrics, KV cache, P/D sidecar)",
    load: async () => (await import("./commands/vllm-sim.js")).vllmSimCommand,
  },
  {
    name: "epp",
    summary: "run an Endpoint Picker (ext_proc gRPC, health, metrics) over a static pool",
    load: async () => (await import("./commands/epp.js")).eppCommand,
  },
  {
    name: "gateway",
    summary: "run an Envoy-like gateway from an Envoy v3 config (ext_proc, ext_authz, ratelimit, admin)",
    load: async () => (await import("./commands/gateway.js")).gatewayCommand,
  },
  {
    name: "authorino",
    summary: "run Authorino (ext_authz Check) from AuthConfigs and API-key Secrets",
    load: async () => (await import("./commands/kuadrant.js")).authorinoCommand,
  },
  {
    name: "limitador",
    summary: "run Limitador (ShouldRateLimit) from a Limitador limits file",
    load: async () => (await import("./commands/kuadrant.js")).limitadorCommand,
  },
  {
    name: "maas",
    summary: "MaaS helpers: `maas mint --user NAME --tier free|premium|enterprise` makes an API key",
    load: async () => (await import("./commands/kuadrant.js")).maasCommand,
  },
  {
    name: "contract",
    summary: "run the EPP contract suite against any Endpoint Picker (ours or the real one)",
    load: async () => (await import("./commands/contract.js")).contractCommand,
  },
  {
    name: "certs",
    summary: "write the service CA, serving and ingress certificates (for docker compose)",
    load: async () => (await import("./commands/certs.js")).certsCommand,
  },
];

function usage(): string {
  const lines = ["usage: testbed <command> [flags]", "", "commands:"];
  for (const command of COMMANDS) lines.push(`  ${command.name.padEnd(12)} ${command.summary}`);
  lines.push("", "Run `testbed <command> --help` for a command's flags.");
  return lines.join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 1 : 0;
  }
  const entry = COMMANDS.find((candidate) => candidate.name === name);
  if (!entry) {
    process.stderr.write(`testbed: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  const command: Command = await entry.load();
  return command.run(rest);
}
