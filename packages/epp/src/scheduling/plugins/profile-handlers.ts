// Profile handlers decide which scheduling profiles run for a request.
import { hostPort } from "../../datastore/endpoint.js";
import type { ProfileHandler } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";
import { PREFIX_MATCH_STATE, type PrefixMatchState } from "./prefix-cache-scorer.js";

/** single-profile-handler runs the one profile there is. */
export const singleProfileHandler: PluginDefinition = {
  type: "single-profile-handler",
  create(name, parameters): ProfileHandler {
    parameters.done();
    return {
      type: "single-profile-handler",
      name,
      pick(_cycle, _request, profiles, results) {
        if (Object.keys(results).length > 0) return [];
        return [...profiles.values()];
      },
      processResults(_cycle, _request, results) {
        return { profileResults: results, primaryProfileName: Object.keys(results)[0] ?? "default" };
      },
    };
  },
};

export type PdDecision = "decode-only" | "prefill-decode";

type PickArguments = Parameters<ProfileHandler["pick"]>;

/**
 * The P/D handlers' pick: `decode` runs first; once it has chosen a pod, `disaggregate` decides from
 * that pod's prefix-cache hit ratio whether `prefill` runs too (the decision is reported); after
 * prefill, nothing more runs.
 */
export function pickDecodeThenPrefill(
  [cycle, request, profiles, results]: PickArguments,
  names: { decode: string; prefill: string },
  events: { pdDecision(model: string, decision: PdDecision): void } | undefined,
  disaggregate: (hitRatio: number) => boolean,
): ReturnType<ProfileHandler["pick"]> {
  const decode = profiles.get(names.decode);
  if (!(names.decode in results)) return decode ? [decode] : [];
  if (names.prefill in results) return [];
  const target = results[names.decode]?.targetEndpoints[0];
  if (!target) return [];
  const match = cycle.read<PrefixMatchState>(PREFIX_MATCH_STATE);
  const hitRatio = match && match.totalBlocks > 0 ? (match.matched.get(hostPort(target)) ?? 0) / match.totalBlocks : 0;
  const split = disaggregate(hitRatio);
  events?.pdDecision(request.targetModel, split ? "prefill-decode" : "decode-only");
  const prefill = profiles.get(names.prefill);
  return split && prefill ? [prefill] : [];
}

/**
 * pd-profile-handler (llm-d, seed era) runs `decode` first; then, if the part of the prompt the
 * chosen decode pod has NOT cached — approximated in characters as (1 − prefix hit ratio) × prompt
 * length — exceeds `threshold`, it also runs `prefill`. `threshold: 0` disaggregates every request.
 * Decode is the primary profile: its pod is where the request goes.
 */
export const pdProfileHandler: PluginDefinition = {
  type: "pd-profile-handler",
  create(name, parameters, context): ProfileHandler {
    const threshold = parameters.number("threshold", 100, { min: 0 });
    parameters.number("hashBlockSize", 64, { min: 1, integer: true });
    const decodeProfile = parameters.string("decodeProfile", "decode");
    const prefillProfile = parameters.string("prefillProfile", "prefill");
    parameters.done();
    return {
      type: "pd-profile-handler",
      name,
      pick(...args) {
        const promptChars = args[1].prompt.length;
        // threshold 0 disaggregates every request, whatever is cached.
        return pickDecodeThenPrefill(
          args,
          { decode: decodeProfile, prefill: prefillProfile },
          context.events,
          (hitRatio) => threshold === 0 || (1 - hitRatio) * promptChars > threshold,
        );
      },
      processResults(_cycle, _request, results) {
        return { profileResults: results, primaryProfileName: decodeProfile };
      },
    };
  },
};
