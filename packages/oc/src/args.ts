// oc's command line: flags may come before or after the verb and its arguments (`oc -n ns get pods`,
// `oc get pods -n ns`), in every pflag spelling (`-n ns`, `-nns`, `-n=ns`, `--namespace ns`,
// `--namespace=ns`), with combined short booleans (`-it`) and `--` ending the flags (exec).

/** A command line oc cannot parse (unknown flag, missing value, unknown verb). */
export class UsageError extends Error {}

interface FlagSpec {
  long: string;
  short?: string;
  takesValue: boolean;
}

const COMMON: FlagSpec[] = [
  { long: "namespace", short: "n", takesValue: true },
  { long: "all-namespaces", short: "A", takesValue: false },
  { long: "selector", short: "l", takesValue: true },
  { long: "output", short: "o", takesValue: true },
  { long: "server", short: "s", takesValue: true },
  { long: "container", short: "c", takesValue: true },
  { long: "type", takesValue: true },
  { long: "tail", takesValue: true },
  { long: "no-headers", takesValue: false },
  { long: "show-labels", takesValue: false },
  { long: "ignore-not-found", takesValue: false },
  { long: "all", takesValue: false },
  { long: "recursive", short: "R", takesValue: false },
  { long: "stdin", short: "i", takesValue: false },
  { long: "tty", short: "t", takesValue: false },
  { long: "quiet", short: "q", takesValue: false },
  { long: "help", short: "h", takesValue: false },
];

/** Flags whose short letter means something else for some verbs (`-f`, `-p`). */
function specsFor(verb: string | undefined): FlagSpec[] {
  if (verb === "logs") {
    return [
      ...COMMON,
      { long: "follow", short: "f", takesValue: false },
      { long: "previous", short: "p", takesValue: false },
      { long: "timestamps", takesValue: false },
      { long: "all-containers", takesValue: false },
    ];
  }
  return [
    ...COMMON,
    { long: "filename", short: "f", takesValue: true },
    { long: "patch", short: "p", takesValue: true },
  ];
}

const VERBS = new Set(["get", "describe", "apply", "create", "patch", "delete", "logs", "exec"]);

export interface OcArgs {
  verb: string | undefined;
  positionals: string[];
  flags: Map<string, string[]>;
  /** Everything after `--` (exec's command). */
  command: string[];
}

export function parseOcArgs(argv: readonly string[]): OcArgs {
  const verb = argv.find((arg) => VERBS.has(arg)) ?? argv.find((arg) => !arg.startsWith("-"));
  const specs = specsFor(verb);
  const result: OcArgs = { verb: undefined, positionals: [], flags: new Map(), command: [] };
  const set = (spec: FlagSpec, value: string) =>
    result.flags.set(spec.long, [...(result.flags.get(spec.long) ?? []), value]);
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === "--") {
      result.command = argv.slice(index + 1);
      break;
    }
    if (arg.startsWith("--")) {
      const [name, inline] = splitOnce(arg.slice(2));
      const spec = specs.find((s) => s.long === name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (!spec.takesValue) set(spec, inline ?? "true");
      else if (inline !== undefined) set(spec, inline);
      else set(spec, valueAfter(argv, index++, `--${name}`));
    } else if (arg.startsWith("-") && arg.length > 1) {
      index += parseShortFlags(arg, argv, index, specs, set);
    } else if (result.verb === undefined && arg === verb) result.verb = arg;
    else result.positionals.push(arg);
  }
  return result;
}

/** Returns how many extra argv entries were consumed. */
function parseShortFlags(
  arg: string,
  argv: readonly string[],
  index: number,
  specs: FlagSpec[],
  set: (spec: FlagSpec, value: string) => void,
): number {
  for (let position = 1; position < arg.length; position++) {
    const letter = arg[position] as string;
    const spec = specs.find((s) => s.short === letter);
    if (!spec) throw new UsageError(`unknown shorthand flag: '${letter}' in ${arg}`);
    if (!spec.takesValue) {
      set(spec, "true");
      continue;
    }
    const rest = arg.slice(position + 1);
    if (rest !== "") {
      set(spec, rest.startsWith("=") ? rest.slice(1) : rest);
      return 0;
    }
    set(spec, valueAfter(argv, index, `-${letter}`));
    return 1;
  }
  return 0;
}

function valueAfter(argv: readonly string[], index: number, name: string): string {
  const value = argv[index + 1];
  if (value === undefined) throw new UsageError(`flag needs an argument: ${name}`);
  return value;
}

function splitOnce(text: string): [string, string | undefined] {
  const equals = text.indexOf("=");
  return equals < 0 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}

export function flag(args: OcArgs, name: string): string | undefined {
  const values = args.flags.get(name);
  return values?.[values.length - 1];
}

export function flags(args: OcArgs, name: string): string[] {
  return args.flags.get(name) ?? [];
}

export function booleanFlag(args: OcArgs, name: string): boolean {
  const value = flag(args, name);
  return value !== undefined && value !== "false";
}
