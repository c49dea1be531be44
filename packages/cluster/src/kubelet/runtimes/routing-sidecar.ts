import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PoolMembersWatch } from "../../discovery/pool-members.js";
import { type ContainerImage, ContainerStartError } from "./container-runtime.js";
import { sidecarPool } from "./routing-sidecar-pool.js";

/**
 * llm-d's routing sidecar (`llm-d-routing-sidecar`), with its real flags: `--port` (8000),
 * `--vllm-port` (8001), `--secure-proxy` + `--cert-path` (serve HTTPS with the pod's certificate),
 * `--decoder-use-tls`, `--prefiller-use-tls`, `--data-parallel-size` (with POD_IP from the
 * environment), and SSRF protection: `--enable-ssrf-protection` with the pool from `--inference-pool`
 * (namespace/name or name), `--inference-pool-namespace`/`--inference-pool-name` or the
 * INFERENCE_POOL* variables, and `--pool-group`; the pool's pods are watched through the API (the
 * testbed's store). Other flags are accepted and logged.
 */
export const routingSidecarImage: ContainerImage = {
  name: "llm-d-routing-sidecar",
  matches: (repository) => repository.includes("routing-sidecar"),
  async start(context) {
    const { values } = parseArgs({
      args: context.argv.filter((arg) => arg.startsWith("-")),
      options: {
        port: { type: "string", default: "8000" },
        "vllm-port": { type: "string", default: "8001" },
        "secure-proxy": { type: "string", default: "true" },
        "cert-path": { type: "string" },
        "decoder-use-tls": { type: "string", default: "false" },
        "prefiller-use-tls": { type: "string", default: "false" },
        "data-parallel-size": { type: "string", default: "1" },
        "inference-pool": { type: "string" },
        "inference-pool-namespace": { type: "string" },
        "inference-pool-name": { type: "string" },
        "pool-group": { type: "string" },
      },
      strict: false,
    });
    const dataParallelSize = goInt(values["data-parallel-size"] as string);
    if (dataParallelSize === undefined) {
      const given = values["data-parallel-size"];
      throw new ContainerStartError(
        `invalid argument "${given}" for "--data-parallel-size" flag: strconv.ParseInt: parsing "${given}": invalid syntax`,
        2,
      );
    }
    const secure = values["secure-proxy"] !== "false";
    const certPath = values["cert-path"] as string | undefined;
    if (secure && !certPath) throw new ContainerStartError("--secure-proxy requires --cert-path in the testbed", 1);
    const https =
      secure && certPath
        ? {
            cert: readFileSync(context.fs.resolve(`${certPath}/tls.crt`)),
            key: readFileSync(context.fs.resolve(`${certPath}/tls.key`)),
          }
        : undefined;
    const { PrefillAllowlist, ssrfConfigurationError, startRoutingSidecar } = await import("@testbed/vllm-sim");
    const pool = sidecarPool(context.argv, values, context.env, ssrfConfigurationError);
    const members = pool ? new PoolMembersWatch(context.cluster.store, pool, context.log) : undefined;
    const decoderScheme = values["decoder-use-tls"] === "true" ? "https" : "http";
    try {
      const sidecar = await startRoutingSidecar({
        host: context.podIP,
        port: Number(values.port),
        decoderUrl: `${decoderScheme}://${context.podIP}:${Number(values["vllm-port"])}`,
        prefillerUseTls: values["prefiller-use-tls"] === "true",
        https,
        log: context.log,
        clock: context.cluster.clock,
        allowlist: members ? new PrefillAllowlist(() => members.current()) : undefined,
        dataParallelSize,
        podIp: context.env.POD_IP ?? "",
      });
      return {
        async stop() {
          members?.close();
          await sidecar.close();
        },
      };
    } catch (error) {
      members?.close();
      throw error;
    }
  },
};

/**
 * pflag's int: strconv.ParseInt(s, 0, 64), so a sign, then decimal, 0x/0o/0b or a leading-0 octal;
 * undefined when it is none (underscores and the range limit are not modelled).
 */
function goInt(text: string): number | undefined {
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!match) return undefined;
  const [, sign, digits = ""] = match;
  const magnitude = /^0[0-7]+$/.test(digits) ? Number.parseInt(digits, 8) : Number(digits);
  return sign === "-" ? -magnitude : magnitude;
}
