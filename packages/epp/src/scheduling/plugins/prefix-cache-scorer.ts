import { type Endpoint, hostPort } from "../../datastore/endpoint.js";
import type { CycleState, InferenceRequest, PreRequest, SchedulingResult, Scorer } from "../framework.js";
import { requestPrefixHashes } from "../prefix/prefix-hashes.js";
import { PrefixIndex } from "../prefix/prefix-index.js";
import type { PluginDefinition } from "./plugin-definition.js";

/** Where the scorer leaves each endpoint's matched blocks in the cycle state, for pd-profile-handler. */
export const PREFIX_MATCH_STATE = "prefix-cache-scorer/match";

export interface PrefixMatchState {
  totalBlocks: number;
  /** Matched blocks per endpoint (ip:port). */
  matched: Map<string, number>;
}

export interface PrefixCacheScorer extends Scorer, PreRequest {
  readonly index: PrefixIndex;
  /** Characters per hash block, for profile handlers that estimate the cached length. */
  readonly blockChars: number;
}

/**
 * prefix-cache-scorer: the fraction of the request's prefix blocks an endpoint probably has cached,
 * from the EPP's approximate index (not from vLLM). After scheduling, the chosen endpoint of the
 * PRIMARY profile is recorded as holding the request's blocks (the seed-era rule that makes decode
 * sticky); `recordPrefillEndpoint: true` also records the prefill profile's endpoint, as newer GIE does.
 *
 * Parameters: hashBlockSize (characters, seed era, default 64), or blockSizeTokens (newer; × 4
 * characters); maxPrefixBlocksToMatch (256); lruCapacityPerServer (31,250); recordPrefillEndpoint.
 */
export const prefixCacheScorer: PluginDefinition = {
  type: "prefix-cache-scorer",
  create(name, parameters): PrefixCacheScorer {
    const hashBlockSize = parameters.number("hashBlockSize", 0, { min: 1, integer: true });
    const blockSizeTokens = parameters.number("blockSizeTokens", 0, { min: 1, integer: true });
    const maxBlocks = parameters.number("maxPrefixBlocksToMatch", 256, { min: 1, integer: true });
    const capacity = parameters.number("lruCapacityPerServer", 31_250, { min: 1, integer: true });
    const recordPrefill = parameters.boolean("recordPrefillEndpoint", false);
    parameters.boolean("autoTune", false);
    // Later llm-d splits the index into a producer plugin; this scorer keeps its own index instead.
    parameters.accept("producer");
    parameters.accept("prefixMatchInfoProducerName");
    parameters.accept("maxPrefixTokensToMatch");
    parameters.accept("matchLengthWeight");
    parameters.accept("matchLengthScaleTokens");
    parameters.done();
    const blockChars = hashBlockSize || (blockSizeTokens ? blockSizeTokens * 4 : 64);
    const index = new PrefixIndex(capacity);
    // The request's block hashes, computed once for scoring and again needed after scheduling.
    const hashesOf = new WeakMap<InferenceRequest, number[]>();
    const requestHashes = (request: InferenceRequest) => {
      let hashes = hashesOf.get(request);
      if (!hashes) {
        hashes = requestPrefixHashes(request, blockChars, maxBlocks);
        hashesOf.set(request, hashes);
      }
      return hashes;
    };

    const matchFor = (cycle: CycleState, request: InferenceRequest): PrefixMatchState => {
      const cached = cycle.read<PrefixMatchState>(PREFIX_MATCH_STATE);
      if (cached) return cached;
      const hashes = requestHashes(request);
      const state = { totalBlocks: hashes.length, matched: index.match(hashes) };
      cycle.write(PREFIX_MATCH_STATE, state);
      return state;
    };

    return {
      type: "prefix-cache-scorer",
      name,
      index,
      blockChars,
      score(cycle, request, endpoints) {
        const match = matchFor(cycle, request);
        const scores = new Map<Endpoint, number>();
        for (const endpoint of endpoints) {
          const blocks = match.matched.get(hostPort(endpoint)) ?? 0;
          scores.set(endpoint, match.totalBlocks === 0 ? 0 : blocks / match.totalBlocks);
        }
        return scores;
      },
      preRequest(request: InferenceRequest, result: SchedulingResult) {
        const hashes = requestHashes(request);
        if (hashes.length === 0) return;
        const recorded = [result.primaryProfileName];
        if (recordPrefill && result.profileResults.prefill) recorded.push("prefill");
        for (const profile of recorded) {
          const target = result.profileResults[profile]?.targetEndpoints[0];
          if (target) index.add(hostPort(target), hashes);
        }
      },
    };
  },
};
