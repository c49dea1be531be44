// One sample of the running testbed, taken once a second while a page is open: per vLLM pod the
// gauges the seed's dashboards show, per gateway the EPP cluster's counters and where the pool's
// requests went, and the EPP's scheduling counters. Pods that do not answer are marked down.

import { parsePrometheusText, sumOf } from "@testbed/common";
import { parseAdminClusters } from "./admin-clusters.js";
import { type PodTarget, type PoolClusters, podTargets, poolClusters } from "./cluster-roles.js";
import type { EppCounters, GatewayCounters, Observation, PodGauges } from "./page-types.js";
import type { WebSources } from "./sources.js";

const INFERENCE_POOL_KINDS = [
  "inference.networking.k8s.io/InferencePool",
  "inference.networking.x-k8s.io/InferencePool",
];

/** Read every pod's numbers once, in parallel. */
export async function observe(sources: WebSources): Promise<Observation> {
  const targets = podTargets(sources.store.peekList("Pod"));
  const pools = poolClusters(INFERENCE_POOL_KINDS.flatMap((key) => sources.store.peekList(key)));
  const texts = await Promise.all(targets.map((target) => sources.fetchText(target.url).catch(() => undefined)));
  const pods: PodGauges[] = [];
  const gateways: GatewayCounters[] = [];
  let epp: EppCounters = { pod: undefined, up: false, attemptsSuccess: 0, attemptsFailure: 0, pdDecisions: {} };
  targets.forEach((target, index) => {
    const text = texts[index];
    if (target.kind === "vllm") pods.push(vllmGauges(target, text));
    else if (target.kind === "gateway") gateways.push(gatewayCounters(target, text, pools));
    else epp = eppCounters(target, text);
  });
  return { at: sources.clock.now(), pods, gateways, epp };
}

function vllmGauges(target: PodTarget, text: string | undefined): PodGauges {
  const samples = text === undefined ? [] : parsePrometheusText(text);
  return {
    name: target.name,
    namespace: target.namespace,
    role: target.role,
    ip: target.ip,
    up: text !== undefined,
    waiting: sumOf(samples, "vllm:num_requests_waiting"),
    running: sumOf(samples, "vllm:num_requests_running"),
    kvUsage: sumOf(samples, "vllm:kv_cache_usage_perc"),
    prefixHits: sumOf(samples, "vllm:prefix_cache_hits_total"),
    prefixQueries: sumOf(samples, "vllm:prefix_cache_queries_total"),
    requestsFinished: sumOf(samples, "vllm:request_success_total"),
    promptTokens: sumOf(samples, "vllm:prompt_tokens_total"),
  };
}

function gatewayCounters(target: PodTarget, text: string | undefined, pools: PoolClusters[]): GatewayCounters {
  const counters: GatewayCounters = {
    gateway: target.role,
    up: text !== undefined,
    eppCxTotal: 0,
    eppCxConnectFail: 0,
    eppRqTotal: 0,
    poolRqByHost: {},
  };
  for (const cluster of text === undefined ? [] : parseAdminClusters(text)) {
    if (pools.some((pool) => cluster.name.includes(pool.eppCluster))) {
      counters.eppCxTotal += cluster.cxTotal;
      counters.eppCxConnectFail += cluster.cxConnectFail;
      counters.eppRqTotal += cluster.rqTotal;
    } else if (pools.some((pool) => cluster.name.includes(pool.poolCluster))) {
      for (const [host, count] of Object.entries(cluster.rqByHost))
        counters.poolRqByHost[host] = (counters.poolRqByHost[host] ?? 0) + count;
    }
  }
  return counters;
}

function eppCounters(target: PodTarget, text: string | undefined): EppCounters {
  const samples = text === undefined ? [] : parsePrometheusText(text);
  const pdDecisions: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== "llm_d_inference_scheduler_pd_decision_total") continue;
    const type = sample.labels.decision_type ?? "unknown";
    pdDecisions[type] = (pdDecisions[type] ?? 0) + sample.value;
  }
  return {
    pod: target.name,
    up: text !== undefined,
    attemptsSuccess: sumOf(samples, "inference_extension_scheduler_attempts_total", { status: "success" }),
    attemptsFailure: sumOf(samples, "inference_extension_scheduler_attempts_total", { status: "failure" }),
    pdDecisions,
  };
}
