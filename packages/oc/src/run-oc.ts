// `testbed oc`: an `oc` for the testbed, talking to its API server over HTTP. The seed's commands
// work with `oc` replaced by `npx testbed oc`.
import { parseOcArgs, UsageError } from "./args.js";
import { createContext, type OcContext, type OcIo } from "./context.js";
import { formatError } from "./errors.js";
import { applyVerb } from "./verbs/apply.js";
import { deleteVerb } from "./verbs/delete.js";
import { describeVerb } from "./verbs/describe.js";
import { execVerb } from "./verbs/exec.js";
import { getVerb } from "./verbs/get.js";
import { logsVerb } from "./verbs/logs.js";
import { patchVerb } from "./verbs/patch.js";

const USAGE = `usage: testbed oc <verb> [flags]

Talks to the running testbed's API server (--server URL, $TESTBED_SERVER, or the address \`testbed up\` wrote).

verbs:
  get TYPE[,TYPE…] [NAME…] | TYPE/NAME   -n NS | -A, -l SELECTOR, -o wide|yaml|json|name|jsonpath=TEMPLATE
  describe TYPE [NAME…] | TYPE/NAME
  apply -f FILE|DIR|-                       create or update; everything is validated first
  create -f FILE|DIR|-
  patch TYPE NAME --type=json|merge|strategic -p PATCH
  delete TYPE NAME… | TYPE/NAME | -f FILE | TYPE -l SELECTOR
  logs POD|deploy/NAME [-c C] [--tail N] [-f]
  exec POD|deploy/NAME [-c C] -- COMMAND [ARGS…]`;

type Verb = (context: OcContext) => Promise<number>;

const VERBS: Record<string, Verb> = {
  get: getVerb,
  describe: describeVerb,
  apply: (context) => applyVerb(context),
  create: (context) => applyVerb(context, true),
  patch: patchVerb,
  delete: deleteVerb,
  logs: logsVerb,
  exec: execVerb,
};

/** Run one oc command line against `io` (tests capture output; the CLI uses the process's streams). */
export async function runOc(argv: readonly string[], io: OcIo): Promise<number> {
  try {
    const args = parseOcArgs(argv);
    if (args.verb === undefined || args.flags.has("help")) {
      (args.verb === undefined && !args.flags.has("help") ? io.err : io.out)(`${USAGE}\n`);
      return args.verb === undefined && !args.flags.has("help") ? 1 : 0;
    }
    const verb = VERBS[args.verb];
    if (!verb) throw new UsageError(`unknown command "${args.verb}" for "oc"`);
    return await verb(createContext(args, io));
  } catch (error) {
    io.err(`${formatError(error)}\n`);
    return 1;
  }
}

export interface CapturedOc {
  code: number;
  out: string;
  err: string;
}

/**
 * `testbed oc` in process against one API server, output captured (scenarios, tests and scripts use
 * it). --server goes first: after `--` (exec) it would become part of the pod's command.
 */
export async function captureOc(server: string, argv: readonly string[], stdin = ""): Promise<CapturedOc> {
  let out = "";
  let err = "";
  const code = await runOc([`--server=${server}`, ...argv], {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    readStdin: async () => stdin,
    env: {},
    now: () => Date.now(),
  });
  return { code, out, err };
}

/** The process's own streams and environment: what `testbed oc` on a terminal reads and writes. */
export function processIo(): OcIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    env: process.env,
    now: () => Date.now(),
  };
}
