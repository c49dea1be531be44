import { parseArgs } from "node:util";
import {
  CaseFolderExistsError,
  displayName,
  headerText,
  initCase,
  listScenarios,
  loadScenario,
  markdownReport,
  matrixText,
  runMatrix,
  ScenarioError,
  scenarioFile,
  setupText,
  stepText,
  summaryText,
} from "@testbed/scenario";
import type { Command } from "../command.js";

/** Scenario runs use their own pod subnet, so one can run beside `testbed up` (subnet 18). */
export const DEFAULT_SCENARIO_SUBNET = 60;

const USAGE = `usage: testbed scenario list
       testbed scenario run NAME|FILE|FOLDER [flags]
       testbed scenario init FOLDER

Run a scenario (scenarios/*.yaml, format in scenarios/README.md) on its own testbed: a report per step,
a final table; exit code 0 when every expectation held, 1 when one failed, 2 for a malformed scenario.
A FOLDER is a case folder: scenario.yaml beside its topology/ and manifests/ (paths resolve there first,
then in the testbed's repository); \`scenario init FOLDER\` writes one to start from.

flags:
  --json            one JSON document: every step, expectation and measurement (timings under "timings")
  --report md       a Markdown report (verdict, steps, commands, outputs, expectations) to attach to a ticket
  --seed N          overrides the scenario's seed
  --time-scale X    overrides the scenario's time scale (0 = as fast as possible, 1 = real T4 timing)
  --subnet N        third octet of the pods' loopback addresses (default ${DEFAULT_SCENARIO_SUBNET})
  -h, --help`;

/** `testbed scenario list|run`: the workshop's scenarios, as reports or JSON. */
export const scenarioCommand: Command = {
  name: "scenario",
  summary: "list the shipped scenarios, or run one (a report per step, exit code 1 on a failed expectation)",
  async run(argv) {
    const [verb, ...rest] = argv;
    if (verb === "list") return listCommand();
    if (verb === "run") return runCommand(rest);
    if (verb === "init") return initCommand(rest);
    const help = verb === "--help" || verb === "-h" || verb === "help";
    (help ? process.stdout : process.stderr).write(`${USAGE}\n`);
    return help ? 0 : 2;
  },
};

function initCommand(argv: string[]): number {
  if (argv.length !== 1 || argv[0]!.startsWith("-")) {
    process.stderr.write(`testbed scenario init: expected one FOLDER\n${USAGE}\n`);
    return 2;
  }
  try {
    const written = initCase(argv[0]!);
    process.stdout.write(
      `wrote ${written.map((file) => `${argv[0]}/${file}`).join(", ")}\nnext: edit them, then npx testbed scenario run ${argv[0]}\n`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof CaseFolderExistsError)) throw error;
    process.stderr.write(`testbed scenario init: ${error.message}\n`);
    return 1;
  }
}

function listCommand(): number {
  const entries = listScenarios();
  const width = Math.max(4, ...entries.map((entry) => entry.name.length));
  process.stdout.write(`${"NAME".padEnd(width)}   TITLE\n`);
  for (const entry of entries) process.stdout.write(`${entry.name.padEnd(width)}   ${entry.title}\n`);
  return 0;
}

async function runCommand(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "boolean" },
        report: { type: "string" },
        seed: { type: "string" },
        "time-scale": { type: "string" },
        subnet: { type: "string", default: String(DEFAULT_SCENARIO_SUBNET) },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    process.stderr.write(`testbed scenario run: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const problem = checkFlags(values, positionals);
  if (problem) {
    process.stderr.write(`testbed scenario run: ${problem}\n`);
    return 2;
  }
  const file = scenarioFile(positionals[0]!);
  if (!file) {
    const known = listScenarios().map((entry) => entry.name);
    process.stderr.write(
      `testbed scenario run: no scenario "${positionals[0]}" (a file, or one of: ${known.join(", ") || "none"})\n`,
    );
    return 2;
  }
  let scenario: ReturnType<typeof loadScenario>;
  try {
    scenario = loadScenario(file);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    process.stderr.write(`testbed scenario run: ${error.message}\n`);
    return 2;
  }
  const json = values.json === true;
  const markdown = values.report === "md";
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  const timeScale = values["time-scale"] === undefined ? undefined : Number(values["time-scale"]);
  const write = (text: string) => {
    if (!json && !markdown) process.stdout.write(text);
  };
  write(
    headerText(
      { ...scenario, topology: scenario.topology.map(displayName) },
      seed ?? scenario.seed,
      timeScale ?? scenario.timeScale,
    ),
  );
  let reports: Awaited<ReturnType<typeof runMatrix>>;
  try {
    reports = await runMatrix(scenario, {
      seed,
      timeScale,
      subnet: Number(values.subnet),
      onRelease: (istio) => {
        if (scenario.matrix) write(`\n═══ Istio ${istio} ${"═".repeat(60)}\n`);
      },
      onSetup: (results) => write(setupText(results)),
      onStep: (result) => write(stepText(result)),
    });
  } catch (error) {
    // The testbed itself could not start or become ready (a taken subnet, a broken topology).
    process.stderr.write(`testbed scenario run: ${(error as Error).message}\n`);
    return 1;
  }
  const report = reports[0] as (typeof reports)[number];
  if (json) process.stdout.write(`${JSON.stringify(scenario.matrix ? reports : report, null, 2)}\n`);
  else if (markdown) process.stdout.write(reports.map((r) => markdownReport(r, scenario.description)).join("\n"));
  else if (scenario.matrix) write(matrixText(reports));
  else write(summaryText(report));
  return reports.every((r) => r.summary.ok) ? 0 : 1;
}

function checkFlags(values: Record<string, string | boolean | undefined>, positionals: string[]): string | undefined {
  if (positionals.length !== 1) return "expected one scenario NAME, FILE or FOLDER";
  if (values.report !== undefined && values.report !== "md") return `--report must be md, got ${values.report}`;
  if (values.report !== undefined && values.json) return "--report md and --json exclude each other";
  if (values.seed !== undefined && !/^\d+$/.test(values.seed as string)) return `--seed must be a non-negative integer`;
  const timeScale = Number(values["time-scale"] ?? 0);
  if (!Number.isFinite(timeScale) || timeScale < 0) return "--time-scale must be a number ≥ 0";
  const subnet = Number(values.subnet);
  if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) return "--subnet must be an integer 0-255";
  return undefined;
}
