// LLMInferenceService (serving.kserve.io/v1alpha1) as kserve v0.16's
// config/crd/full/llmisvc/serving.kserve.io_llminferenceservices.yaml defines it. The pod templates
// (template, worker, prefill.template/worker, router.scheduler.template) are core/v1 PodSpecs in
// the real CRD; here they stay open objects. router.route.http.spec is an HTTPRoute spec and
// router.scheduler.pool.spec a v1alpha2 InferencePool spec, as in the real CRD.
import { HTTP_ROUTE_SPEC } from "./gateway-api.js";
import { INFERENCE_POOL_V1ALPHA2_SPEC } from "./inference-pool.js";
import { type Fields, kindSchema, type Schema } from "./schema-notation.js";

const PARALLELISM: Fields = {
  data: "int32",
  dataLocal: "int32",
  dataRPCPort: "int32",
  expert: "boolean",
  pipeline: "int32",
  tensor: "int32",
};

const NAMESPACED_REFERENCES: Fields = { refs: [{ name: "string", namespace: "string" }] };

const ROUTER: Fields = {
  gateway: NAMESPACED_REFERENCES,
  ingress: NAMESPACED_REFERENCES,
  route: { http: { refs: [{ name: "string=" }], spec: HTTP_ROUTE_SPEC } },
  scheduler: {
    pool: { ref: { name: "string=" }, spec: INFERENCE_POOL_V1ALPHA2_SPEC },
    template: "open",
  },
};

const SPEC: Fields = {
  baseRefs: [{ name: "string=" }],
  model: {
    criticality: "enum:Critical|Standard|Sheddable",
    lora: { adapters: "any" },
    name: "string",
    "uri!": "string",
  },
  parallelism: PARALLELISM,
  prefill: { parallelism: PARALLELISM, replicas: "int32", template: "open", worker: "open" },
  replicas: "int32",
  router: ROUTER,
  template: "open",
  worker: "open",
};

const ADDRESS: Fields = { CACerts: "string", audience: "string", name: "string", url: "string" };

/** A knative condition (severity beside status and type), as kserve's status reports it. */
const KNATIVE_CONDITION: Fields = {
  lastTransitionTime: "string",
  message: "string",
  reason: "string",
  severity: "string",
  "status!": "string",
  "type!": "string",
};

const STATUS: Fields = {
  address: ADDRESS,
  addresses: [ADDRESS],
  annotations: "map",
  conditions: [KNATIVE_CONDITION],
  observedGeneration: "int64",
  url: "string",
};

export const LLM_INFERENCE_SERVICE_SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  "serving.kserve.io/LLMInferenceService": { v1alpha1: kindSchema({ spec: SPEC, status: STATUS }) },
};
