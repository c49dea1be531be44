import { SeededRandom } from "@testbed/common";
import type { Endpoint } from "../src/datastore/endpoint.js";
import { loadEndpointPickerConfig, type SchedulerConfig } from "../src/scheduling/config/endpoint-picker-config.js";
import type { InferenceRequest, PluginContext } from "../src/scheduling/framework.js";
import { PluginRegistry } from "../src/scheduling/plugins/registry.js";
import { prefixText } from "../src/scheduling/prefix/prefix-hashes.js";

export function context(seed = 1): PluginContext & { decisions: string[] } {
  const decisions: string[] = [];
  return {
    random: new SeededRandom(seed),
    now: () => 0,
    events: { pdDecision: (_m, d) => decisions.push(d) },
    decisions,
  };
}

export function load(text: string | undefined, ctx: PluginContext = context()): SchedulerConfig {
  return loadEndpointPickerConfig(text, "test.yaml", new PluginRegistry(), ctx);
}

export function endpoint(
  n: number,
  metrics: Partial<Endpoint["metrics"]> = {},
  labels: Record<string, string> = {},
  fresh = true,
): Endpoint {
  return {
    namespacedName: `my-first-model/pod-${n}`,
    address: `10.0.0.${n}`,
    port: 8000,
    labels,
    ready: true,
    metrics: { waitingQueueSize: 0, runningRequests: 0, kvCacheUsage: 0, updatedAt: 0, ...metrics },
    metricsFresh: fresh,
  };
}

export function chatRequest(content: string, headers: Record<string, string> = {}): InferenceRequest {
  const body = { model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content }] };
  return { requestId: "r", targetModel: body.model, headers, body, prompt: prefixText(body) };
}

export { SEED_PD_CONFIG_TEXT as SEED_PD_CONFIG } from "../src/scheduling/config/seed-configs.js";
