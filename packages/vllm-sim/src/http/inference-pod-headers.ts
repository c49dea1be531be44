// llm-d-inference-sim's debugging headers (addResponseHeaders): with POD_NAME set, a successful
// completion answers with x-inference-pod (the pod's name) and x-inference-port (the port the
// simulator listens on); with POD_NAMESPACE, x-inference-namespace. vLLM itself sends none of them.
import type { VllmSimOptions } from "../options.js";

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** The headers for a simulator listening on `port`; none when it was given no pod. */
export function inferencePodHeaders(
  options: VllmSimOptions,
  port: number | undefined,
): Readonly<Record<string, string>> {
  if (!options.podName && !options.podNamespace) return NONE;
  const headers: Record<string, string> = {};
  if (options.podName) {
    headers["x-inference-pod"] = options.podName;
    headers["x-inference-port"] = String(port ?? options.port);
  }
  if (options.podNamespace) headers["x-inference-namespace"] = options.podNamespace;
  return headers;
}
