// envoy.filters.http.ext_proc in the chain: its registration and the factory that makes each request's run.
import type { ExternalProcessorConfig } from "../config/envoy-types.js";
import type { EnvoyVersion } from "../envoy-version.js";
import type { FilterRegistration } from "../filters/filter-registry.js";
import type { FilterContext, FilterRun, HttpFilterFactory } from "../filters/http-filter.js";
import { EXT_PROC_FILTER_NAME, readExternalProcessor, readPerRoute } from "./ext-proc-config.js";
import { ExtProcFilterRun } from "./ext-proc-filter.js";
import { effectiveExtProc } from "./ext-proc-merge.js";
import type { ExtProcStats } from "./ext-proc-stats.js";

/** The base config, merged per route as the chosen Envoy release merges ExtProcPerRoute. */
export class ExtProcFilterFactory implements HttpFilterFactory {
  readonly name = EXT_PROC_FILTER_NAME;

  constructor(
    readonly base: ExternalProcessorConfig,
    private readonly stats: ExtProcStats,
    private readonly envoyVersion: EnvoyVersion,
  ) {}

  create(context: FilterContext): FilterRun {
    const perRoute = readPerRoute(context.route, `route ${context.routeName}`);
    const effective = effectiveExtProc(this.base, perRoute, this.envoyVersion);
    return new ExtProcFilterRun(effective, context, this.stats, { base: this.base, envoyVersion: this.envoyVersion });
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
