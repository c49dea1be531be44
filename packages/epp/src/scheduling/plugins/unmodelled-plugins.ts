// Plugin types that real configs name but the testbed does not model: they load (so a config
// pasted from GIE or an llm-d guide is accepted, never refused) and do nothing that changes a pick.
// A scorer gives every endpoint the same score, a filter keeps every endpoint, the rest are inert.
// The loader logs a warning naming each one (docs/reference/epp.md lists them with the reason).
import type { Endpoint } from "../../datastore/endpoint.js";
import type { Filter, Plugin, Scorer } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/** What an unmodelled plugin is in the real EPP, which decides the inert stand-in it gets. */
type Role = "scorer" | "filter" | "inert";

/** A stand-in that says why it is one (the loader's warning repeats it). */
export interface UnmodelledPlugin extends Plugin {
  readonly unmodelled: string;
}

const UNMODELLED: ReadonlyArray<{ type: string; role: Role; why: string }> = [
  { type: "lora-affinity-scorer", role: "scorer", why: "LoRA affinity is not modelled" },
  { type: "no-hit-lru-scorer", role: "scorer", why: "cold-request LRU spreading is not modelled" },
  { type: "precise-prefix-cache-scorer", role: "scorer", why: "needs vLLM KV events and a tokenizer" },
  { type: "latency-scorer", role: "scorer", why: "needs the latency predictor" },
  { type: "token-load-scorer", role: "scorer", why: "token load is not modelled" },
  { type: "running-requests-size-scorer", role: "scorer", why: "not modelled" },
  { type: "endpoint-attribute-scorer", role: "scorer", why: "scores from request metadata are not modelled" },
  { type: "prefix-cache-affinity-filter", role: "filter", why: "affinity thresholds are not modelled" },
  { type: "slo-headroom-tier-filter", role: "filter", why: "needs the latency predictor" },
  { type: "utilization-filter", role: "filter", why: "not modelled" },
  { type: "approx-prefix-cache-producer", role: "inert", why: "prefix-cache-scorer keeps its own index" },
  { type: "precise-prefix-cache-producer", role: "inert", why: "needs vLLM KV events" },
  { type: "burst-prefix-cache-producer", role: "inert", why: "not modelled" },
  { type: "predicted-latency-producer", role: "inert", why: "needs the latency predictor" },
  { type: "inflight-load-producer", role: "inert", why: "not modelled" },
  { type: "token-producer", role: "inert", why: "needs a tokenizer" },
  { type: "metrics-data-source", role: "inert", why: "the EPP's scraper is configured by flags" },
  { type: "core-metrics-extractor", role: "inert", why: "the EPP's scraper reads the vLLM metrics itself" },
  { type: "endpoint-notification-source", role: "inert", why: "not modelled" },
  { type: "openai-parser", role: "inert", why: "the EPP parses OpenAI JSON bodies itself" },
  { type: "passthrough-parser", role: "inert", why: "bodies are always parsed as OpenAI JSON" },
  { type: "vllmgrpc-parser", role: "inert", why: "vLLM gRPC is not modelled" },
  { type: "vllmhttp-parser", role: "inert", why: "the EPP parses OpenAI JSON bodies itself" },
  { type: "local-syncer", role: "inert", why: "cross-replica sync is not modelled (one EPP replica)" },
  { type: "round-robin-fairness-policy", role: "inert", why: "flow control is not modelled" },
  { type: "fcfs-ordering-policy", role: "inert", why: "flow control is not modelled" },
  { type: "concurrency-detector", role: "inert", why: "flow control is not modelled" },
  { type: "utilization-detector", role: "inert", why: "flow control is not modelled" },
  { type: "latency-slo-admitter", role: "inert", why: "admission control is not modelled" },
];

function standIn(type: string, role: Role, why: string, name: string): UnmodelledPlugin {
  const base = { type, name, unmodelled: why };
  if (role === "scorer") {
    const scorer: Scorer & UnmodelledPlugin = {
      ...base,
      score: (_cycle, _request, endpoints) => new Map(endpoints.map((e): [Endpoint, number] => [e, 0])),
    };
    return scorer;
  }
  if (role === "filter") {
    const filter: Filter & UnmodelledPlugin = { ...base, filter: (_cycle, _request, endpoints) => endpoints };
    return filter;
  }
  return base;
}

/** The stand-ins, one definition per type; parameters are accepted unread (their schema is not modelled). */
export const UNMODELLED_PLUGINS: readonly PluginDefinition[] = UNMODELLED.map(({ type, role, why }) => ({
  type,
  create: (name) => standIn(type, role, why, name),
}));

export function isUnmodelled(plugin: Plugin): plugin is UnmodelledPlugin {
  return typeof (plugin as UnmodelledPlugin).unmodelled === "string";
}
