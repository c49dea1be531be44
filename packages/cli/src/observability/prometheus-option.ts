import { type EmbeddedPrometheus, type PodWatch, startEmbeddedPrometheus } from "./embedded-prometheus.js";
import { findOnPath, PROMETHEUS_INSTALL_HINT } from "./local-prometheus.js";

export type PrometheusPlan = { kind: "start"; binary: string } | { kind: "absent"; hint: string };

/** What `--prometheus` can do on this machine: start the binary found on PATH, or say how to get one. */
export function planPrometheus(pathEnv: string | undefined): PrometheusPlan {
  const binary = findOnPath("prometheus", pathEnv);
  return binary ? { kind: "start", binary } : { kind: "absent", hint: PROMETHEUS_INSTALL_HINT };
}

export interface PrometheusForTestbed {
  apiUrl: string;
  /** The API server's bearer token, when it requires one. */
  apiToken?: string;
  /** The CA of an HTTPS API server. */
  apiCa?: string;
  watch: PodWatch;
  pathEnv: string | undefined;
  warn: (line: string) => void;
  listen?: string;
}

/**
 * `testbed up --prometheus`, after the topology is Ready: a local Prometheus when one is installed.
 * Without the binary, or when it fails to start, one line on stderr and the testbed carries on.
 */
export async function startPrometheusIfInstalled(
  options: PrometheusForTestbed,
): Promise<EmbeddedPrometheus | undefined> {
  const plan = planPrometheus(options.pathEnv);
  if (plan.kind === "absent") {
    options.warn(plan.hint);
    return undefined;
  }
  try {
    return await startEmbeddedPrometheus({
      binary: plan.binary,
      apiUrl: options.apiUrl,
      apiToken: options.apiToken,
      apiCa: options.apiCa,
      watch: options.watch,
      listen: options.listen,
      warn: options.warn,
    });
  } catch (error) {
    options.warn(`prometheus: not started, continuing without it: ${(error as Error).message}`);
    return undefined;
  }
}
