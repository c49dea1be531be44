// envoy.filters.http.ext_proc in the chain: its registration and the factory that makes each request's run.
import type { ExternalProcessorConfig, Route } from "../config/envoy-types.js";
import type { EnvoyVersion } from "../envoy-version.js";
import type { FilterRegistration } from "../filters/filter-registry.js";
import type { FilterContext, FilterRun, HttpFilterFactory } from "../filters/http-filter.js";
import { EXT_PROC_FILTER_NAME, readExternalProcessor, readPerRoute } from "./ext-proc-config.js";
import { ExtProcFilterRun } from "./ext-proc-filter.js";
import { type EffectiveExtProc, effectiveExtProc } from "./ext-proc-merge.js";
import type { ExtProcStats } from "./ext-proc-stats.js";

/** The base config, merged per route as the chosen Envoy release merges ExtProcPerRoute. */
export class ExtProcFilterFactory implements HttpFilterFactory {
  readonly name = EXT_PROC_FILTER_NAME;

  constructor(
    readonly base: ExternalProcessorConfig,
    private readonly stats: ExtProcStats,
    private readonly envoyVersion: EnvoyVersion,
  ) {}

  /** Each route's merged settings, made on its first request: a config version's routes never change. */
  private readonly merged = new WeakMap<Route, EffectiveExtProc>();

  create(context: FilterContext): FilterRun {
    let effective = this.merged.get(context.route);
    if (!effective) {
      const perRoute = readPerRoute(context.route, `route ${context.routeName}`);
      effective = effectiveExtProc(this.base, perRoute, this.envoyVersion);
      this.merged.set(context.route, effective);
    }
    return new ExtProcFilterRun(effective, context, this.stats, this.base);
  }
}

export const EXT_PROC_REGISTRATION: FilterRegistration = {
  name: EXT_PROC_FILTER_NAME,
  typeSuffix: ".ExternalProcessor",
  build: (filter, setup) =>
    new ExtProcFilterFactory(
      readExternalProcessor(filter, setup.path, setup.envoyVersion, setup.warnings),
      setup.extProcStats,
      setup.envoyVersion,
    ),
};
