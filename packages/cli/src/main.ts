import { certsCommand } from "./commands/certs.js";
import { contractCommand } from "./commands/contract.js";
import { eppCommand } from "./commands/epp.js";
import { gatewayCommand } from "./commands/gateway.js";
import { authorinoCommand, limitadorCommand, maasCommand } from "./commands/kuadrant.js";
import { loadCommand } from "./commands/load.js";
import { ocCommand } from "./commands/oc/index.js";
import { renderCommand } from "./commands/render.js";
import { scenarioCommand } from "./commands/scenario.js";
import { upCommand } from "./commands/up.js";
import { vllmSimCommand } from "./commands/vllm-sim.js";

/** A sub-command of `testbed`: a name, one line of help, and a runner returning the exit code. */
export interface Command {
  name: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

const COMMANDS: readonly Command[] = [
  upCommand,
  ocCommand,
  loadCommand,
  scenarioCommand,
  renderCommand,
  vllmSimCommand,
  eppCommand,
  gatewayCommand,
  authorinoCommand,
  limitadorCommand,
  maasCommand,
  contractCommand,
  certsCommand,
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
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`testbed: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
}
