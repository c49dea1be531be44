import { FieldError } from "../config/config-error.js";
import type { InferenceRequest, Plugin, ProfileHandler } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";
import { prefillHeaderHandler } from "./prefill-header-handler.js";
import { pickDecodeThenPrefill } from "./profile-handlers.js";

const CHARS_PER_TOKEN = 4;

/** A P/D decider: disaggregate this request, given how much of its prompt the decode pod has cached? */
export interface PdDecider extends Plugin {
  disaggregate(request: InferenceRequest, hitRatio: number): boolean;
}

const isDecider = (plugin: Plugin | undefined): plugin is PdDecider =>
  typeof (plugin as PdDecider | undefined)?.disaggregate === "function";

export const alwaysDisaggPdDecider: PluginDefinition = {
  type: "always-disagg-pd-decider",
  create(name, parameters): PdDecider {
    parameters.done();
    return { type: "always-disagg-pd-decider", name, disaggregate: () => true };
  },
};

export const prefixBasedPdDecider: PluginDefinition = {
  type: "prefix-based-pd-decider",
  create(name, parameters): PdDecider {
    const nonCachedTokens = parameters.number("nonCachedTokens", 0, { min: 0 });
    parameters.done();
    return {
      type: "prefix-based-pd-decider",
      name,
      disaggregate(request, hitRatio) {
        const nonCached = ((1 - hitRatio) * request.prompt.length) / CHARS_PER_TOKEN;
        return nonCached >= nonCachedTokens;
      },
    };
  },
};

/** Plugins that name other plugins resolve them once every plugin exists. */
export interface NeedsPlugins {
  bind(plugins: ReadonlyMap<string, Plugin>): void;
}

export const disaggProfileHandler: PluginDefinition = {
  type: "disagg-profile-handler",
  create(name, parameters, context): ProfileHandler & NeedsPlugins {
    const decodeProfile = parameters.string("decodeProfile", "decode");
    const prefillProfile = parameters.string("prefillProfile", "prefill");
    // Older releases name the decider in deciderPluginName, newer ones per stage: deciders.prefill.
    const deciders = parameters.object("deciders");
    const deciderName =
      parameters.optionalString("deciderPluginName") ??
      (typeof deciders?.prefill === "string" ? deciders.prefill : undefined);
    parameters.done();
    let decider: PdDecider | undefined;
    return {
      type: "disagg-profile-handler",
      name,
      bind(plugins) {
        if (deciderName === undefined) return;
        const found = plugins.get(deciderName);
        if (!isDecider(found)) {
          throw new FieldError("parameters.deciderPluginName", `plugin '${deciderName}' is not a P/D decider`);
        }
        decider = found;
      },
      pick(...args) {
        // Without a decider every request is disaggregated (the always-disagg behaviour).
        return pickDecodeThenPrefill(
          args,
          { decode: decodeProfile, prefill: prefillProfile },
          context.events,
          (hitRatio) => (decider ? decider.disaggregate(args[1], hitRatio) : true),
        );
      },
      processResults(_cycle, _request, results) {
        return { profileResults: results, primaryProfileName: decodeProfile };
      },
    };
  },
};

export const disaggHeadersHandler: PluginDefinition = {
  type: "disagg-headers-handler",
  create: (name, parameters, context) => ({
    ...prefillHeaderHandler.create(name, parameters, context),
    type: "disagg-headers-handler",
  }),
};

export function needsPlugins(plugin: Plugin): plugin is Plugin & NeedsPlugins {
  return typeof (plugin as Partial<NeedsPlugins>).bind === "function";
}
