import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type ContainerImage, ContainerStartError } from "./container-runtime.js";

/**
 * llm-d's routing sidecar (`llm-d-routing-sidecar`), with its real flags: `--port` (8000),
 * `--vllm-port` (8001), `--secure-proxy` + `--cert-path` (serve HTTPS with the pod's certificate),
 * `--decoder-use-tls`, `--prefiller-use-tls`. Other flags are accepted and logged.
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
      },
      strict: false,
    });
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
    const { startRoutingSidecar } = await import("@testbed/vllm-sim");
    const decoderScheme = values["decoder-use-tls"] === "true" ? "https" : "http";
    const sidecar = await startRoutingSidecar({
      host: context.podIP,
      port: Number(values.port),
      decoderUrl: `${decoderScheme}://${context.podIP}:${Number(values["vllm-port"])}`,
      prefillerUseTls: values["prefiller-use-tls"] === "true",
      https,
      log: context.log,
      clock: context.cluster.clock,
    });
    return { stop: () => sidecar.close() };
  },
};
