// `testbed trace`: one request's routing trace (or the last N), read from the running testbed's
// trace endpoint (its URL is on the server file's fourth line) and printed in words, or as JSON.
import { parseArgs } from "node:util";
import { readServerRecord, serverAddressFile } from "@testbed/apimachinery";
import type { RequestTrace, TracesResponse } from "@testbed/trace";
import type { Command } from "../command.js";

const USAGE = `usage: testbed trace [REQUEST_ID | --last N] [--json]

Print what the gateway, the EPP and the vLLM pods did with a request: the route and why others
did not match, each filter's decision (ext_authz, ratelimit, ext_proc and its stream), the EPP's
scores per pod, the upstream pod and status, and vLLM's queue, prefix cache, prefill and decode.

  REQUEST_ID   the request's x-request-id (curl -v shows it when you send one: -H "x-request-id: my-id")
  --last N     the N newest requests (default 1)
  --json       the traces as JSON, as GET <trace endpoint>/api/traces returns them
  -h, --help`;

export const traceCommand: Command = {
  name: "trace",
  summary: "explain a request: route, filters, ext_proc stream, the EPP's scores per pod, upstream, vLLM",
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: withDefaultLast(argv),
        allowPositionals: true,
        options: { last: { type: "string" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      }));
    } catch (error) {
      return usageError((error as Error).message);
    }
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (positionals.length > 1) return usageError(`unexpected argument '${positionals[1]}'`);
    const id = positionals[0];
    if (id !== undefined && values.last !== undefined) return usageError("give a REQUEST_ID or --last, not both");
    const last = values.last === undefined ? 1 : Number(values.last);
    if (!Number.isInteger(last) || last < 1) return usageError(`--last must be a positive integer, got ${values.last}`);

    const record = await readServerRecord();
    if (!record?.traces) {
      process.stderr.write(
        `testbed trace: no running testbed with a trace endpoint (looked in ${serverAddressFile()}): start one with \`npx testbed up\`\n`,
      );
      return 1;
    }
    const url = new URL("/api/traces", record.traces);
    if (id !== undefined) url.searchParams.set("id", id);
    else url.searchParams.set("last", String(last));
    let response: Response;
    try {
      response = await fetch(url, { headers: record.token ? { authorization: `Bearer ${record.token}` } : {} });
    } catch (error) {
      process.stderr.write(`testbed trace: cannot reach ${url.origin}: ${(error as Error).message}\n`);
      return 1;
    }
    const text = await response.text();
    if (!response.ok) {
      process.stderr.write(`testbed trace: ${response.status} ${text}\n`);
      return 1;
    }
    const body = JSON.parse(text) as TracesResponse;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return body.traces.length > 0 ? 0 : 1;
    }
    for (const gone of body.unreachable)
      process.stderr.write(`warning: ${gone.address} did not answer: ${gone.error}\n`);
    if (body.traces.length === 0) {
      process.stderr.write(
        id !== undefined ? `testbed trace: no request ${id} in the traces kept\n` : "testbed trace: no requests yet\n",
      );
      return 1;
    }
    await printTraces(body.traces);
    return 0;
  },
};

/** Oldest first, so the newest ends at the bottom of the terminal. */
async function printTraces(traces: readonly RequestTrace[]): Promise<void> {
  const { describeTrace } = await import("@testbed/trace");
  const blocks = [...traces].reverse().map((trace) => describeTrace(trace).join("\n"));
  process.stdout.write(`${blocks.join("\n\n")}\n`);
}

/** `--last` alone means the newest request: parseArgs needs its value spelled out. */
function withDefaultLast(argv: string[]): string[] {
  return argv.map((arg, index) =>
    arg === "--last" && (index === argv.length - 1 || argv[index + 1]?.startsWith("-")) ? "--last=1" : arg,
  );
}

function usageError(message: string): number {
  process.stderr.write(`testbed trace: ${message}\n${USAGE}\n`);
  return 2;
}
