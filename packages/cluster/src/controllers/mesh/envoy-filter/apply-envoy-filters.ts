// EnvoyFilters applied as data to one gateway's generated config. All selected filters' patches run
// phase by phase (LISTENER … CLUSTER), filters in priority/creation order within a phase, as istiod
// does. An EnvoyFilter is all or nothing: if one of its patches cannot apply, or the result would
// not be accepted by the gateway, it is left out (with the reason) and the others are applied again
// without it — a bad EnvoyFilter never breaks a gateway's config.
import type { KubeObject } from "@testbed/apimachinery";
import type { EnvoyConfig } from "../../mesh-config-hub.js";
import { checkGatewayConfig } from "../config-validation.js";
import { APPLY_ORDER, applyConfigPatch, type ConfigPatch } from "./config-patch.js";
import { type EnvoyFilterTarget, selectEnvoyFilters } from "./envoy-filter-selection.js";

/** What became of one selected EnvoyFilter on this gateway. */
export interface EnvoyFilterOutcome {
  namespace: string;
  name: string;
  applied: boolean;
  /** Config elements its patches changed (0: its matches selected nothing on this gateway). */
  changes: number;
  message?: string;
}

export interface EnvoyFilterApplication {
  config: EnvoyConfig;
  outcomes: EnvoyFilterOutcome[];
}

interface Attempt {
  config: EnvoyConfig;
  changes: Map<KubeObject, number>;
  failure?: { filter: KubeObject; message: string };
}

export function applyEnvoyFilters(
  config: EnvoyConfig,
  envoyFilters: KubeObject[],
  target: EnvoyFilterTarget,
): EnvoyFilterApplication {
  const selected = selectEnvoyFilters(envoyFilters, target);
  const rejected = new Map<KubeObject, string>();
  const baseValid = selected.length === 0 || checkGatewayConfig(config).error === undefined;
  for (;;) {
    const active = selected.filter((filter) => !rejected.has(filter));
    const attempt = applyAll(config, active, target);
    if (attempt.failure) {
      rejected.set(attempt.failure.filter, attempt.failure.message);
      continue;
    }
    const culprit =
      baseValid && active.length > 0 ? firstBreakingFilter(config, active, target, attempt.config) : undefined;
    if (culprit) {
      rejected.set(culprit.filter, culprit.message);
      continue;
    }
    return { config: attempt.config, outcomes: selected.map((filter) => outcome(filter, attempt, rejected)) };
  }
}

function outcome(filter: KubeObject, attempt: Attempt, rejected: Map<KubeObject, string>): EnvoyFilterOutcome {
  const base = { namespace: filter.metadata.namespace ?? "", name: filter.metadata.name };
  const message = rejected.get(filter);
  if (message !== undefined) return { ...base, applied: false, changes: 0, message };
  return { ...base, applied: true, changes: attempt.changes.get(filter) ?? 0 };
}

function applyAll(config: EnvoyConfig, filters: KubeObject[], target: EnvoyFilterTarget): Attempt {
  // Nothing to patch: the freshly generated config is used as it is.
  if (filters.length === 0) return { config, changes: new Map() };
  const result = structuredClone(config);
  const changes = new Map<KubeObject, number>();
  for (const filter of filters) {
    const unknown = patchesOf(filter).findIndex((p) => !(APPLY_ORDER as readonly string[]).includes(String(p.applyTo)));
    if (unknown >= 0) {
      const applyTo = String(patchesOf(filter)[unknown]?.applyTo ?? "(unset)");
      return {
        config,
        changes,
        failure: {
          filter,
          message: `configPatches[${unknown}]: applyTo ${applyTo} is not supported by the testbed mesh`,
        },
      };
    }
  }
  for (const phase of APPLY_ORDER) {
    for (const filter of filters) {
      const patches = patchesOf(filter);
      for (let index = 0; index < patches.length; index++) {
        const patch = patches[index] as ConfigPatch;
        if (patch.applyTo !== phase) continue;
        try {
          changes.set(filter, (changes.get(filter) ?? 0) + applyConfigPatch(result, patch, target));
        } catch (error) {
          return {
            config,
            changes,
            failure: { filter, message: `configPatches[${index}]: ${(error as Error).message}` },
          };
        }
      }
    }
  }
  return { config: result, changes };
}

/**
 * When the config with every active filter (`patched`) would be rejected, grow the active list one
 * filter at a time; the first whose addition breaks the config is the culprit.
 */
function firstBreakingFilter(
  config: EnvoyConfig,
  active: KubeObject[],
  target: EnvoyFilterTarget,
  patched: EnvoyConfig,
): { filter: KubeObject; message: string } | undefined {
  if (checkGatewayConfig(patched).error === undefined) return undefined;
  for (let count = 1; count <= active.length; count++) {
    const error = checkGatewayConfig(applyAll(config, active.slice(0, count), target).config).error;
    if (error !== undefined) {
      return {
        filter: active[count - 1] as KubeObject,
        message: `the patched config would be rejected by the proxy: ${error}`,
      };
    }
  }
  return undefined;
}

function patchesOf(filter: KubeObject): ConfigPatch[] {
  const patches = filter.spec?.configPatches;
  return Array.isArray(patches) ? (patches as ConfigPatch[]) : [];
}
