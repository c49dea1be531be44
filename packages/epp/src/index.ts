// The protocol keys live in @testbed/protocol (shared with the gateway side); re-exported for the EPP's users.
export {
  DESTINATION_HEADER,
  LB_METADATA_NAMESPACE,
  MAX_CHUNK_BYTES,
  PREFILLER_HEADER,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  TEST_SELECTION_HEADER,
  WENT_INTO_RESPONSE_HEADER,
} from "@testbed/protocol";
export type { EndpointSource, EndpointSpec } from "./discovery/endpoint-source.js";
export { StaticEndpointSource } from "./discovery/endpoint-source.js";
export { EndpointsFileError, parseEndpointList, parseEndpointsYaml } from "./discovery/endpoints-file.js";
export type { EppHandle } from "./epp.js";
export { startEpp } from "./epp.js";
export { EppArgsError, eppArgsUsage, parseEppArgs, parseGoDuration } from "./epp-args.js";
export type { EppOptions } from "./options.js";
export { DEFAULT_EPP_OPTIONS, resolveEppOptions } from "./options.js";
export { ConfigError } from "./scheduling/config/config-error.js";
export { DEFAULT_CONFIG_TEXT } from "./scheduling/config/default-config.js";
export { loadEndpointPickerConfig } from "./scheduling/config/endpoint-picker-config.js";
export { SEED_PD_CONFIG_TEXT } from "./scheduling/config/seed-configs.js";
export type { PluginDefinition } from "./scheduling/plugins/plugin-definition.js";
export { PluginRegistry } from "./scheduling/plugins/registry.js";
