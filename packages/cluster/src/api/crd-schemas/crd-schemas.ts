// The structural openAPIV3Schema of each custom kind the seed touches, by group/kind and version,
// gathered from one table per API group; kinds without one keep an open schema.
import { GATEWAY_API_SCHEMAS } from "./gateway-api.js";
import { INFERENCE_POOL_SCHEMAS } from "./inference-pool.js";
import { ISTIO_NETWORKING_SCHEMAS } from "./istio-networking.js";
import { KUADRANT_SCHEMAS } from "./kuadrant.js";
import { LLM_INFERENCE_SERVICE_SCHEMAS } from "./llm-inference-service.js";
import type { Schema } from "./schema-notation.js";

const SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  ...INFERENCE_POOL_SCHEMAS,
  ...LLM_INFERENCE_SERVICE_SCHEMAS,
  ...GATEWAY_API_SCHEMAS,
  ...ISTIO_NETWORKING_SCHEMAS,
  ...KUADRANT_SCHEMAS,
};

/** The schema of `kindKey` (group/Kind) at `version`, or undefined when the testbed keeps it open. */
export function crdSchemaOf(kindKey: string, version: string): Schema | undefined {
  return SCHEMAS[kindKey]?.[version];
}
