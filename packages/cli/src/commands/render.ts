import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { ApiError, ManifestError } from "@testbed/apimachinery";
import { ISTIO_VERSIONS, isIstioVersion } from "@testbed/cluster";
import { REPOSITORY_ROOT } from "@testbed/scenario";
import type { Command } from "../command.js";
import { renderCompose } from "../compose/render-compose.js";

const USAGE = `usage: testbed render compose [--fixes N] [--apply FILE]... [--istio 1.26|1.27|1.28|1.29] [--out DIR] [--check]

Runs the topology embedded, applies the seed's first N fixes (0 = as shipped, the default; 1 = the HTTP_ROUTE
EnvoyFilter; 2 = the HTTP_FILTER EnvoyFilter; 3 = + the scheduler TLS patch; 4 = + the P/D config and prefix
caching) and any --apply manifests, then writes docker-compose.yml and deploy/compose/** under DIR (default:
the repository). --istio picks the Istio release the mesh translates as (default 1.26) and the Envoy
release the gateway containers run (its Envoy). --check compares instead of writing and exits 1 when a file differs (CI keeps the committed
compose files in sync with the embedded testbed this way).`;

/** `testbed render compose`: the docker compose form of the embedded testbed. */
export const renderCommand: Command = {
  name: "render",
  summary: "render docker-compose.yml and the containers' configs from the embedded testbed",
  async run(argv) {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      process.stderr.write(`testbed render: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (parsed.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    let files: Map<string, string>;
    try {
      files = await renderCompose({
        root: REPOSITORY_ROOT,
        topology: "topologies/rhoai-3.2",
        istio: parsed.istio,
        fixes: parsed.fixes,
        apply: parsed.apply,
        subnet: 252,
      });
    } catch (error) {
      // An --apply manifest that does not parse or that the API server refuses: as `oc apply` says it.
      if (!(error instanceof ManifestError || error instanceof ApiError)) throw error;
      process.stderr.write(`testbed render: ${error.message}\n`);
      return 1;
    }
    if (parsed.check) return check(files, parsed.out);
    try {
      for (const [path, content] of files) {
        const target = join(parsed.out, path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, content);
        process.stdout.write(`wrote ${path}\n`);
      }
    } catch (error) {
      process.stderr.write(`testbed render: cannot write under ${parsed.out}: ${(error as Error).message}\n`);
      return 1;
    }
    return 0;
  },
};

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fixes: { type: "string", default: "0" },
      apply: { type: "string", multiple: true },
      istio: { type: "string", default: "1.26" },
      out: { type: "string" },
      check: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return { help: true } as ReturnType<typeof validated>;
  return validated(values, positionals);
}

function validated(values: Record<string, unknown>, positionals: string[]) {
  if (positionals[0] !== "compose" || positionals.length !== 1) throw new Error("the only target is `compose`");
  const fixes = Number(values.fixes);
  if (!Number.isInteger(fixes) || fixes < 0 || fixes > 4) throw new Error(`--fixes must be 0-4, got ${values.fixes}`);
  const istio = values.istio;
  if (!isIstioVersion(istio)) throw new Error(`--istio must be one of ${ISTIO_VERSIONS.join(", ")}, got ${istio}`);
  const apply = (values.apply as string[] | undefined) ?? [];
  const missing = apply.find((file) => !existsSync(join(REPOSITORY_ROOT, file)));
  if (missing) throw new Error(`--apply ${missing}: no such file in the repository`);
  return {
    help: false,
    fixes,
    apply,
    istio,
    out: (values.out as string | undefined) ?? REPOSITORY_ROOT,
    check: values.check === true,
  };
}

function check(files: Map<string, string>, out: string): number {
  const stale = [...files].filter(([path, content]) => {
    const target = join(out, path);
    return !existsSync(target) || readFileSync(target, "utf8") !== content;
  });
  for (const [path] of stale) process.stderr.write(`out of date: ${path}\n`);
  if (stale.length > 0) {
    process.stderr.write("run `npx testbed render compose` and commit the result\n");
    return 1;
  }
  process.stdout.write(`${files.size} files in sync with the embedded testbed\n`);
  return 0;
}
