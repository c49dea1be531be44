// A sub-command's flags: node's parseArgs, answering --help and unknown flags with the command's usage.
import { type ParseArgsConfig, parseArgs } from "node:util";

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * Parse a command's flags. `--help` / `-h` (declare `help: { type: "boolean", short: "h" }`) prints
 * the usage on stdout and gives exit code 0; a flag the command does not know prints the error and
 * the usage on stderr and gives 2 — instead of parseArgs' stack trace. Otherwise, the parsed flags.
 */
export function parseCommandFlags<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
): Parsed<T> | number {
  let parsed: Parsed<T>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    process.stderr.write(`testbed ${command}: ${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}
