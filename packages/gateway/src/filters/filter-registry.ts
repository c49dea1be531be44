// Which http_filters entries the gateway runs: a registry from Envoy's filter name (or its
// typed_config @type) to the factory that builds the filter, in place of an if-chain.
import type { HttpFilter } from "../config/envoy-types.js";
import type { EnvoyVersion } from "../envoy-version.js";
import type { ExtProcStats } from "../ext-proc/ext-proc-stats.js";
import type { HttpFilterFactory } from "./http-filter.js";

/** Envoy's router: the end of every chain, run by the request handler itself. */
export const ROUTER_FILTER_NAME = "envoy.filters.http.router";

/** What building a filter from its config may use besides the config. */
export interface FilterSetup {
  /** Where the entry sits in the config, for error messages. */
  path: string;
  /** The Envoy release whose semantics the filter follows. */
  envoyVersion: EnvoyVersion;
  /** The listener's ext_proc stats (kept across config versions). */
  extProcStats: ExtProcStats;
  /** Where a filter's reader reports the fields it leaves out. */
  warnings?: string[];
}

/** One kind of filter the gateway models. */
export interface FilterRegistration {
  /** Envoy's filter name, e.g. envoy.filters.http.ext_proc. */
  name: string;
  /** How its typed_config @type ends (an entry may carry any name and still select the filter by type). */
  typeSuffix: string;
  build(filter: HttpFilter, setup: FilterSetup): HttpFilterFactory;
}

export class FilterRegistry {
  private readonly byName = new Map<string, FilterRegistration>();

  constructor(registrations: readonly FilterRegistration[]) {
    for (const registration of registrations) this.byName.set(registration.name, registration);
  }

  /** The registration for an entry: by its name, else by its typed_config @type. */
  find(filter: HttpFilter): FilterRegistration | undefined {
    const named = this.byName.get(filter.name);
    if (named) return named;
    const type = String(filter.typed_config?.["@type"] ?? "");
    return [...this.byName.values()].find((registration) => type.endsWith(registration.typeSuffix));
  }
}
