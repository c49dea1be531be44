import { GatewayConfigError, readGatewayConfig } from "@testbed/gateway";
import { connectionManagersOf, filterChainsOf, httpFiltersOf, listenersOf } from "./envoy-filter/config-walk.js";
import { EXT_PROC_FILTER } from "./ext-proc.js";

/**
 * Would the gateway (Envoy) accept this config? The gateway's own reader decides structure; on top
 * of it, the ext_proc rule Envoy enforces when a listener is built (FULL_DUPLEX_STREAMED bodies need
 * trailer mode SEND), so an EnvoyFilter that would get the config NACKed is caught here instead.
 */
export interface ConfigVerdict {
  error: string | undefined;
  warnings: string[];
}

type Json = Record<string, unknown>;

export function checkGatewayConfig(config: Json): ConfigVerdict {
  let warnings: string[];
  try {
    warnings = readGatewayConfig(structuredClone(config)).warnings;
  } catch (error) {
    if (error instanceof GatewayConfigError) return { error: error.message, warnings: [] };
    throw error;
  }
  return { error: extProcModeError(config), warnings };
}

function extProcModeError(config: Json): string | undefined {
  for (const listener of listenersOf(structuredClone(config))) {
    for (const chain of filterChainsOf(listener)) {
      for (const hcm of connectionManagersOf(chain)) {
        for (const filter of httpFiltersOf(hcm)) {
          if (filter.name !== EXT_PROC_FILTER || filter.disabled === true) continue;
          const mode = ((filter.typed_config as Json | undefined)?.processing_mode ?? {}) as Record<string, string>;
          for (const direction of ["request", "response"]) {
            if (
              mode[`${direction}_body_mode`] === "FULL_DUPLEX_STREAMED" &&
              mode[`${direction}_trailer_mode`] !== "SEND"
            ) {
              return `listener ${String(listener.name)}: If the ext_proc filter has the ${direction}_body_mode set to FULL_DUPLEX_STREAMED, then the ${direction}_trailer_mode has to be set to SEND`;
            }
          }
        }
      }
    }
  }
  return undefined;
}
