import { readFile } from "node:fs/promises";
import {
  CONTRACT_CASES,
  ContractPool,
  DEFAULT_POOL,
  type EppConnectionOptions,
  endpointsYaml,
  formatContractReport,
  type PoolPodSpec,
  runContract,
} from "@testbed/epp-client";
import type { Command } from "../command.js";
import { parseCommandFlags } from "../command-flags.js";

const USAGE = `usage: testbed contract --epp HOST:PORT [--tls-ca FILE | --insecure-skip-verify | --plaintext] [flags]

Runs the EPP contract cases against any Endpoint Picker. The suite starts its own vllm-sim pods
(default 127.0.0.11-14:8000, two prefill then two decode) and steers their load through their admin API;
start the EPP under test with those pods as its pool (print them with --print-endpoints-yaml).

  --epp HOST:PORT             the EPP's ext_proc address
  --tls-ca FILE               verify the EPP's certificate against this CA
  --server-name NAME          name to verify (SNI), e.g. qwen3-0-6b-epp-service.my-first-model.svc
  --insecure-skip-verify      TLS without verification
  --plaintext                 no TLS (an EPP started with --secure-serving=false)
  --pods IP:PORT,...          pod addresses (first half prefill, second half decode)
  --pd                        the EPP runs a P/D EndpointPickerConfig: run the P/D case
  --buffered                  the EPP speaks the older BUFFERED exchange: run that case
  --metrics-url URL           the EPP's Prometheus endpoint (e.g. http://HOST:9090/metrics): run the metrics cases
  --epp-version NAME          the EPP's version as \`testbed epp --emulate\` names it (gie-v1.5, …): run the
                              cases that check that version's exact bytes
  --only ID,...               run only these cases
  --settle-ms N               how long an EPP may take to see forced metrics (3000)
  --print-endpoints-yaml      print llm-d's endpoints.yaml for the pods and exit
  --list                      list the cases and exit
  --json                      print results as JSON`;

/** `testbed contract`: the EPP contract suite against any EPP. */
export const contractCommand: Command = {
  name: "contract",
  summary: "run the EPP contract suite against any Endpoint Picker (ours or the real one)",
  async run(argv) {
    const parsed = parseCommandFlags("contract", USAGE, {
      args: argv,
      options: {
        epp: { type: "string" },
        "tls-ca": { type: "string" },
        "server-name": { type: "string" },
        "insecure-skip-verify": { type: "boolean" },
        plaintext: { type: "boolean" },
        pods: { type: "string" },
        pd: { type: "boolean" },
        buffered: { type: "boolean" },
        "metrics-url": { type: "string" },
        "epp-version": { type: "string" },
        only: { type: "string" },
        "settle-ms": { type: "string" },
        "print-endpoints-yaml": { type: "boolean" },
        list: { type: "boolean" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    if (values.list) {
      for (const c of CONTRACT_CASES)
        process.stdout.write(`${c.id.padEnd(28)} ${c.title}${c.needs ? ` [--${c.needs}]` : ""}\n`);
      return 0;
    }
    const specs = values.pods ? podSpecs(values.pods) : DEFAULT_POOL;
    if (values["print-endpoints-yaml"]) {
      process.stdout.write(endpointsYaml(specs));
      return 0;
    }
    if (!values.epp) {
      process.stderr.write(`testbed contract: --epp is required\n\n${USAGE}\n`);
      return 2;
    }
    const epp: EppConnectionOptions = { address: values.epp };
    if (!values.plaintext) {
      if (!values["tls-ca"] && !values["insecure-skip-verify"]) {
        process.stderr.write("testbed contract: choose --tls-ca FILE, --insecure-skip-verify or --plaintext\n");
        return 2;
      }
      epp.tls = {
        ...(values["tls-ca"] ? { caPem: await readFile(values["tls-ca"], "utf8") } : {}),
        ...(values["server-name"] ? { serverName: values["server-name"] } : {}),
        insecureSkipVerify: values["insecure-skip-verify"] === true,
      };
    }
    const pool = await ContractPool.start(specs);
    try {
      const settleMs = Number(values["settle-ms"] ?? 3000);
      // Give the EPP time to scrape the pods before the first case.
      await new Promise((resolve) => setTimeout(resolve, Math.min(settleMs, 1000)));
      const results = await runContract({
        epp,
        pool,
        capabilities: { pd: values.pd === true, buffered: values.buffered === true },
        settleMs,
        ...(values["metrics-url"] ? { metricsUrl: values["metrics-url"] } : {}),
        ...(values["epp-version"] ? { version: values["epp-version"] } : {}),
        ...(values.only ? { only: values.only.split(",") } : {}),
      });
      process.stdout.write(
        values.json ? `${JSON.stringify(results, null, 2)}\n` : `${formatContractReport(results)}\n`,
      );
      return results.some((r) => r.status === "fail") ? 1 : 0;
    } finally {
      await pool.close();
    }
  },
};

function podSpecs(list: string): PoolPodSpec[] {
  const addresses = list
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return addresses.map((address, index) => {
    const [host, port] = address.split(":");
    return { host: host as string, port: Number(port), role: index < addresses.length / 2 ? "prefill" : "decode" };
  });
}
