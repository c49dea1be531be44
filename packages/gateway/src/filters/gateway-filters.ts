// The filters this gateway models, by Envoy's names: what an http_filters entry can turn into.
import { EXT_PROC_REGISTRATION } from "../ext-proc/ext-proc-filter-factory.js";
import { EXT_AUTHZ_REGISTRATION } from "../kuadrant-filters/ext-authz-filter.js";
import { RATE_LIMIT_REGISTRATION } from "../kuadrant-filters/rate-limit-filter.js";
import { FilterRegistry } from "./filter-registry.js";
import { ISTIO_INERT_REGISTRATIONS } from "./istio-inert-filters.js";

/** envoy.filters.http.ext_proc, envoy.filters.http.ext_authz, envoy.filters.http.ratelimit, and Istio's pass-through filters. */
export const GATEWAY_FILTERS = new FilterRegistry([
  EXT_PROC_REGISTRATION,
  EXT_AUTHZ_REGISTRATION,
  RATE_LIMIT_REGISTRATION,
  ...ISTIO_INERT_REGISTRATIONS,
]);
