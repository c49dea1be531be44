// InferencePool's schemas in both groups the testbed serves, as gateway-api-inference-extension
// v1.0 defines them (config/crd/bases/inference.networking.k8s.io_inferencepools.yaml and
// inference.networking.x-k8s.io_inferencepools.yaml): field names, types, required, enums, defaults.
import { CONDITION, type Fields, kindSchema, type Schema } from "./schema-notation.js";

const PARENT_REFERENCE: Fields = {
  group: "string=gateway.networking.k8s.io",
  kind: "string=Gateway",
  "name!": "string",
  namespace: "string",
};

/** inference.networking.k8s.io/v1: selector.matchLabels, targetPorts, endpointPickerRef. */
export const INFERENCE_POOL_V1_SPEC: Fields = {
  "endpointPickerRef!": {
    failureMode: "enum:FailOpen|FailClose=FailClose",
    group: "string=",
    kind: "string=Service",
    "name!": "string",
    port: { "number!": "int32" },
  },
  "selector!": { "matchLabels!": "map" },
  "targetPorts!": [{ "number!": "int32" }],
};

/** inference.networking.x-k8s.io/v1alpha2: a flat selector, targetPortNumber, extensionRef. */
export const INFERENCE_POOL_V1ALPHA2_SPEC: Fields = {
  "extensionRef!": {
    failureMode: "enum:FailOpen|FailClose=FailClose",
    group: "string=",
    kind: "string=Service",
    "name!": "string",
    portNumber: "int32",
  },
  "selector!": "map",
  "targetPortNumber!": "int32",
};

export const INFERENCE_POOL_SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  "inference.networking.k8s.io/InferencePool": {
    v1: kindSchema({
      "spec!": INFERENCE_POOL_V1_SPEC,
      status: { parents: [{ conditions: [CONDITION], "parentRef!": PARENT_REFERENCE }] },
    }),
  },
  "inference.networking.x-k8s.io/InferencePool": {
    // The v1alpha2 status list is `parent`, singular, in the real CRD.
    v1alpha2: kindSchema({
      spec: INFERENCE_POOL_V1ALPHA2_SPEC,
      status: { parent: [{ conditions: [CONDITION], "parentRef!": PARENT_REFERENCE }] },
    }),
  },
};
