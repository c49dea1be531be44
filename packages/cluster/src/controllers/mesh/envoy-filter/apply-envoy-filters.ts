// EnvoyFilters applied as data to one gateway's generated config. All selected filters' patches run
// phase by phase (LISTENER … CLUSTER), filters in priority/creation order within a phase, as istiod
// does. A patch istiod cannot use is dropped on its own, the filter's other patches still apply
// (pilot/pkg/model/envoyfilter.go logs "envoyfilter <ns>/<name> failed to build envoy filter value"
// and skips that patch). A patched config the proxy would refuse is still pushed — istiod does not
// check Envoy's rules — and the proxy NACKs it (xds-nack.ts); the filter whose addition makes the
// config refusable is named in `rejection` so the status can point at it (a testbed addition).
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
  /** Why it is not applied: istiod dropped a patch, or the proxy refused the config it made. */
  reason?: "PatchFailed" | "ProxyRejected";
}

export interface EnvoyFilterApplication {
  /** The config istiod pushes: every patch that could be applied. */
  config: EnvoyConfig;
  outcomes: EnvoyFilterOutcome[];
  /** The proxy would refuse `config`: the filter that made it so, and why. */
  rejection?: { filter: KubeObject; message: string };
}

interface Attempt {
  config: EnvoyConfig;
  changes: Map<KubeObject, number>;
  /** Patches istiod dropped, per filter. */
  failures: Map<KubeObject, string[]>;
}

export function applyEnvoyFilters(
  config: EnvoyConfig,
  envoyFilters: KubeObject[],
  target: EnvoyFilterTarget,
): EnvoyFilterApplication {
  const selected = selectEnvoyFilters(envoyFilters, target);
  if (selected.length === 0) return { config, outcomes: [] };
  const attempt = applyAll(config, selected, target);
  const rejection =
    checkGatewayConfig(config).error === undefined
      ? firstBreakingFilter(config, selected, target, attempt.config)
      : undefined;
  const outcomes = selected.map((filter) => outcome(filter, attempt, rejection));
  return { config: attempt.config, outcomes, ...(rejection ? { rejection } : {}) };
}

function outcome(
  filter: KubeObject,
  attempt: Attempt,
  rejection: { filter: KubeObject; message: string } | undefined,
): EnvoyFilterOutcome {
  const base = { namespace: filter.metadata.namespace ?? "", name: filter.metadata.name };
  const changes = attempt.changes.get(filter) ?? 0;
  if (rejection?.filter === filter)
    return { ...base, applied: false, changes, message: rejection.message, reason: "ProxyRejected" };
  const failures = attempt.failures.get(filter);
  if (failures) return { ...base, applied: false, changes, message: failures.join("; "), reason: "PatchFailed" };
  return { ...base, applied: true, changes };
}

function applyAll(config: EnvoyConfig, filters: KubeObject[], target: EnvoyFilterTarget): Attempt {
  const result = structuredClone(config);
  const changes = new Map<KubeObject, number>();
  const failures = new Map<KubeObject, string[]>();
  const fail = (filter: KubeObject, message: string) =>
    failures.set(filter, [...(failures.get(filter) ?? []), message]);
  filters.forEach((filter) => {
    patchesOf(filter).forEach((patch, index) => {
      if (!(APPLY_ORDER as readonly string[]).includes(String(patch.applyTo))) {
        fail(
          filter,
          `configPatches[${index}]: applyTo ${String(patch.applyTo ?? "(unset)")} is not supported by the testbed mesh`,
        );
      }
    });
  });
  for (const phase of APPLY_ORDER) {
    for (const filter of filters) {
      const patches = patchesOf(filter);
      for (let index = 0; index < patches.length; index++) {
        const patch = patches[index] as ConfigPatch;
        if (patch.applyTo !== phase) continue;
        try {
          changes.set(filter, (changes.get(filter) ?? 0) + applyConfigPatch(result, patch, target));
        } catch (error) {
          fail(filter, `configPatches[${index}]: ${(error as Error).message}`);
        }
      }
    }
  }
  return { config: result, changes, failures };
}

/**
 * When the config with every filter (`patched`) would be refused, grow the list one filter at a
 * time; the first whose addition makes it refusable is the one to name.
 */
function firstBreakingFilter(
  config: EnvoyConfig,
  active: KubeObject[],
  target: EnvoyFilterTarget,
  patched: EnvoyConfig,
): { filter: KubeObject; message: string } | undefined {
  const error = checkGatewayConfig(patched).error;
  if (error === undefined) return undefined;
  for (let count = 1; count <= active.length; count++) {
    const partial = checkGatewayConfig(applyAll(config, active.slice(0, count), target).config).error;
    if (partial !== undefined) {
      return {
        filter: active[count - 1] as KubeObject,
        message: `pushed, and rejected by the proxy (NACK), which keeps serving its previous configuration: ${partial}`,
      };
    }
  }
  return { filter: active[active.length - 1] as KubeObject, message: `rejected by the proxy (NACK): ${error}` };
}

function patchesOf(filter: KubeObject): ConfigPatch[] {
  const patches = filter.spec?.configPatches;
  return Array.isArray(patches) ? (patches as ConfigPatch[]) : [];
}
