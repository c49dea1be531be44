// Would the gateway (Envoy) accept this config? The gateway's own reader decides structure; on top
// of it, the ext_proc rule Envoy enforces when a listener is built (FULL_DUPLEX_STREAMED bodies need
// trailer mode SEND), so an EnvoyFilter that would get the config NACKed is caught here instead.
import {
  EXT_PROC_FILTER_NAME,
  GatewayConfigError,
  type HttpFilter,
  readExternalProcessor,
  readGatewayConfig,
} from "@testbed/gateway";
import { connectionManagersOf, filterChainsOf, httpFiltersOf, listenersOf } from "./envoy-filter/config-walk.js";

/** The gateway's answer to a config: the error it would be rejected with, if any, and warnings. */
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

/** Envoy's ext_proc rules, as the gateway's reader of the filter applies them. */
function extProcModeError(config: Json): string | undefined {
  for (const listener of listenersOf(config)) {
    for (const chain of filterChainsOf(listener)) {
      for (const hcm of connectionManagersOf(chain)) {
        for (const filter of httpFiltersOf(hcm)) {
          // A `disabled: true` filter is still built at load (it only skips routes), so it is checked too.
          if (filter.name !== EXT_PROC_FILTER_NAME) continue;
          try {
            readExternalProcessor(filter as unknown as HttpFilter, `listener ${String(listener.name)}`);
          } catch (error) {
            if (error instanceof GatewayConfigError) return error.message;
            throw error;
          }
        }
      }
    }
  }
  return undefined;
}
