export type { AccessLogEntry } from "./access-log.js";
export { formatAccessLog } from "./access-log.js";
export { clustersJson, clustersText, statsText } from "./admin/admin-server.js";
export type { ConfigDelivery } from "./admin/config-history.js";
export type { ConfigDumpBootstrap, ConfigDumpOptions } from "./config/config-dump-bootstrap.js";
export { bootstrapFromConfigDump } from "./config/config-dump-bootstrap.js";
export type { DumpEndpoints } from "./config/config-dump-endpoints.js";
export { endpointsOfConfigDump, parseClusterMapping } from "./config/config-dump-endpoints.js";
export { GatewayConfigError } from "./config/config-error.js";
export { readGatewayConfig } from "./config/config-reader.js";
export type * from "./config/envoy-types.js";
export type { EnvoyVersion } from "./envoy-version.js";
export { DEFAULT_ENVOY_VERSION, ENVOY_VERSIONS, envoyAtLeast, isEnvoyVersion } from "./envoy-version.js";
export {
  EXT_PROC_FILTER_NAME,
  EXT_PROC_PER_ROUTE_TYPE,
  EXT_PROC_TYPE,
  readExternalProcessor,
} from "./ext-proc/ext-proc-config.js";
export type { EffectiveExtProc } from "./ext-proc/ext-proc-merge.js";
export {
  effectiveExtProc,
  FULL_DUPLEX_FAIL_OPEN_ENDS_SINCE,
  PER_ROUTE_FAILURE_MODE_SINCE,
} from "./ext-proc/ext-proc-merge.js";
export type { GatewayHandle, GatewayOptions } from "./gateway.js";
export { startGateway } from "./gateway.js";
