import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Endpoint } from "../datastore/endpoint.js";

const SCHEDULER_BUCKETS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];
const REQUEST_DURATION_BUCKETS = [
  0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240,
  300, 360, 480, 600, 900, 1200, 1800, 2700, 3600,
];
const SIZE_BUCKETS = [
  64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576, 2097152, 4194304,
  8388608, 16777216, 33554432, 67108864, 134217728, 268435456, 536870912, 1073741824,
];
const TOKEN_BUCKETS = [
  1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32778, 65536, 131072, 262144, 524288, 1048576,
];
const HIT_RATIO_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0];
const HIT_BYTES_BUCKETS = [0, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

/**
 * The EPP's own Prometheus metrics, with GIE's names and labels (v1.x: inference_objective_*,
 * inference_pool_*, inference_extension_*) and llm-d's P/D decision counter. The seed's Grafana
 * "EPP routing" dashboard is built on these.
 */
export class EppMetrics {
  readonly registry = new Registry();
  readonly requests;
  readonly requestErrors;
  readonly requestDuration;
  readonly requestSizes;
  readonly responseSizes;
  readonly inputTokens;
  readonly outputTokens;
  readonly runningRequests;
  readonly schedulerDuration;
  readonly schedulerAttempts;
  readonly pluginDuration;
  readonly prefixIndexerSize;
  readonly prefixIndexerHitRatio;
  readonly prefixIndexerHitBytes;
  readonly pdDecisions;

  constructor(
    poolName: string,
    endpoints: () => Endpoint[],
    prefixIndexSize: () => number,
    /** llm-d-router and GIE v1.5 count requests per priority as well. */
    options: { priorityLabel: boolean; deprecatedHelp?: boolean } = { priorityLabel: true },
  ) {
    const registers = [this.registry];
    // llm-d-router keeps GIE's names but marks them deprecated in favour of its llm_d_epp_* set.
    const help = (text: string, replacement: string) =>
      options.deprecatedHelp ? `[ALPHA] [Deprecated: Use ${replacement}] ${text}` : `[ALPHA] ${text}`;
    const objective = ["model_name", "target_model_name"] as const;
    this.requests = new Counter({
      name: "inference_objective_request_total",
      help: help(
        "Counter of inference objective requests broken out for each model and target model.",
        "llm_d_epp_request_total",
      ),
      labelNames: options.priorityLabel ? [...objective, "priority"] : objective,
      registers,
    });
    this.requestErrors = new Counter({
      name: "inference_objective_request_error_total",
      help: "[ALPHA] Counter of inference objective requests errors broken out for each model and target model.",
      labelNames: [...objective, "error_code"],
      registers,
    });
    this.requestDuration = new Histogram({
      name: "inference_objective_request_duration_seconds",
      help: "[ALPHA] Inference objective response latency distribution in seconds for each model and target model.",
      labelNames: objective,
      buckets: REQUEST_DURATION_BUCKETS,
      registers,
    });
    this.requestSizes = new Histogram({
      name: "inference_objective_request_sizes",
      help: "[ALPHA] Inference objective requests size distribution in bytes for each model and target model.",
      labelNames: objective,
      buckets: SIZE_BUCKETS,
      registers,
    });
    this.responseSizes = new Histogram({
      name: "inference_objective_response_sizes",
      help: "[ALPHA] Inference objective responses size distribution in bytes for each model and target model.",
      labelNames: objective,
      buckets: SIZE_BUCKETS,
      registers,
    });
    this.inputTokens = new Histogram({
      name: "inference_objective_input_tokens",
      help: help(
        "Inference objective input token count distribution for requests in each model.",
        "llm_d_epp_request_input_tokens",
      ),
      labelNames: objective,
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.outputTokens = new Histogram({
      name: "inference_objective_output_tokens",
      help: "[ALPHA] Inference objective output token count distribution for requests in each model.",
      labelNames: objective,
      buckets: TOKEN_BUCKETS,
      registers,
    });
    this.runningRequests = new Gauge({
      name: "inference_objective_running_requests",
      help: "[ALPHA] Inference objective number of running requests in each model.",
      labelNames: ["model_name"],
      registers,
    });

    const pool = { name: poolName };
    const ready = () => endpoints().filter((e) => e.ready);
    new Gauge({
      name: "inference_pool_ready_pods",
      help: help("The number of ready pods in the inference server pool.", "llm_d_epp_ready_endpoints"),
      labelNames: ["name"],
      registers,
      collect() {
        this.set(pool, ready().length);
      },
    });
    new Gauge({
      name: "inference_pool_average_kv_cache_utilization",
      help: "[ALPHA] The average kv cache utilization for an inference server pool.",
      labelNames: ["name"],
      registers,
      collect() {
        const pods = ready();
        this.set(pool, pods.length === 0 ? 0 : pods.reduce((sum, e) => sum + e.metrics.kvCacheUsage, 0) / pods.length);
      },
    });
    new Gauge({
      name: "inference_pool_average_queue_size",
      help: "[ALPHA] The average number of requests pending in the model server queue.",
      labelNames: ["name"],
      registers,
      collect() {
        const pods = ready();
        this.set(
          pool,
          pods.length === 0 ? 0 : pods.reduce((sum, e) => sum + e.metrics.waitingQueueSize, 0) / pods.length,
        );
      },
    });
    new Gauge({
      name: "inference_pool_per_pod_queue_size",
      help: "[ALPHA] The total number of requests pending in the model server queue for each underlying pod.",
      labelNames: ["name", "model_server_pod"],
      registers,
      collect() {
        this.reset();
        for (const endpoint of ready()) {
          this.set(
            { name: poolName, model_server_pod: endpoint.namespacedName.split("/").pop() ?? "" },
            endpoint.metrics.waitingQueueSize,
          );
        }
      },
    });

    this.schedulerDuration = new Histogram({
      name: "inference_extension_scheduler_e2e_duration_seconds",
      help: "[ALPHA] End-to-end scheduling latency distribution in seconds.",
      buckets: SCHEDULER_BUCKETS,
      registers,
    });
    this.schedulerAttempts = new Counter({
      name: "inference_extension_scheduler_attempts_total",
      help: "[ALPHA] Total number of successful and failed scheduling attempts.",
      labelNames: ["status"],
      registers,
    });
    this.pluginDuration = new Histogram({
      name: "inference_extension_plugin_duration_seconds",
      help: "[ALPHA] Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name.",
      labelNames: ["extension_point", "plugin_type", "plugin_name"],
      buckets: SCHEDULER_BUCKETS,
      registers,
    });
    this.prefixIndexerSize = new Gauge({
      name: "inference_extension_prefix_indexer_size",
      help: "[ALPHA] Size of the prefix indexer.",
      registers,
      collect() {
        this.set(prefixIndexSize());
      },
    });
    this.prefixIndexerHitRatio = new Histogram({
      name: "inference_extension_prefix_indexer_hit_ratio",
      help: "[ALPHA] Ratio of prefix length matched to total prefix length in the cache lookup.",
      buckets: HIT_RATIO_BUCKETS,
      registers,
    });
    this.prefixIndexerHitBytes = new Histogram({
      name: "inference_extension_prefix_indexer_hit_bytes",
      help: "[ALPHA] Length of the prefix match in number of bytes in the cache lookup.",
      buckets: HIT_BYTES_BUCKETS,
      registers,
    });
    this.pdDecisions = new Counter({
      name: "llm_d_inference_scheduler_pd_decision_total",
      help: "[ALPHA] Total number of P/D disaggregation decisions made",
      labelNames: ["model_name", "decision_type"],
      registers,
    });
    new Gauge({
      name: "inference_extension_info",
      help: "[ALPHA] General information of the current build of Inference Extension.",
      labelNames: ["commit", "build_ref"],
      registers,
    }).set({ commit: "testbed", build_ref: "testbed-epp" }, 1);
    this.schedulerAttempts.inc({ status: "success" }, 0);
    this.schedulerAttempts.inc({ status: "failure" }, 0);
  }
}
