// An http_filters entry with `disabled: true`: Envoy builds it with the listener but runs it only on
// routes whose typed_per_filter_config enables it (HttpFilter.disabled; the route's PerFilterConfigs).
import type { Route } from "../config/envoy-types.js";
import type { FilterContext, FilterRun, HttpFilterFactory } from "./http-filter.js";

/**
 * Whether a route turns a disabled-by-default filter on: any per-filter config under the filter's
 * name does, unless it says `disabled: true` (a FilterConfig wrapper, or the filter's own per-route
 * type, e.g. ExtProcPerRoute.disabled).
 */
export function routeEnablesFilter(route: Route, filterName: string): boolean {
  const entry = route.typed_per_filter_config?.[filterName] as { disabled?: unknown } | undefined;
  return entry !== undefined && entry.disabled !== true;
}

/** The filter as the listener holds a `disabled: true` entry: absent from routes that do not enable it. */
export class DisabledByDefault implements HttpFilterFactory {
  readonly name: string;

  constructor(private readonly filter: HttpFilterFactory) {
    this.name = filter.name;
  }

  create(context: FilterContext): FilterRun | undefined {
    return routeEnablesFilter(context.route, this.name) ? this.filter.create(context) : undefined;
  }
}
