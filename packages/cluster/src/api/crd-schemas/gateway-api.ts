// GatewayClass, Gateway and HTTPRoute (gateway.networking.k8s.io/v1) as gateway-api v1.4's standard
// channel defines them (config/crd/standard/gateway.networking.k8s.io_*.yaml). HTTPRoute filters
// keep their type enum and extensionRef; the other filter bodies (header modifiers, mirror,
// redirect, urlRewrite) stay open objects.
import { CONDITION, type Fields, kindSchema, LABEL_SELECTOR, type Schema } from "./schema-notation.js";

const SECRET_REFERENCE: Fields = { group: "string=", kind: "string=Secret", "name!": "string", namespace: "string" };
const LOCAL_REFERENCE: Fields = { "group!": "string", "kind!": "string", "name!": "string" };
const ROUTE_GROUP_KIND: Fields = { group: "string=gateway.networking.k8s.io", "kind!": "string" };

const LISTENER: Fields = {
  allowedRoutes: {
    kinds: [ROUTE_GROUP_KIND],
    namespaces: { from: "enum:All|Selector|Same=Same", selector: LABEL_SELECTOR },
  },
  hostname: "string",
  "name!": "string",
  "port!": "int32",
  "protocol!": "string",
  tls: { certificateRefs: [SECRET_REFERENCE], mode: "enum:Terminate|Passthrough=Terminate", options: "map" },
};

const GATEWAY_SPEC: Fields = {
  addresses: [{ type: "string=IPAddress", value: "string" }],
  "gatewayClassName!": "string",
  infrastructure: { annotations: "map", labels: "map", parametersRef: LOCAL_REFERENCE },
  "listeners!": [LISTENER],
};

const GATEWAY_STATUS: Fields = {
  addresses: [{ type: "string=IPAddress", "value!": "string" }],
  conditions: [CONDITION],
  listeners: [
    {
      "attachedRoutes!": "int32",
      "conditions!": [CONDITION],
      "name!": "string",
      "supportedKinds!": [ROUTE_GROUP_KIND],
    },
  ],
};

const PARENT_REFERENCE: Fields = {
  group: "string=gateway.networking.k8s.io",
  kind: "string=Gateway",
  "name!": "string",
  namespace: "string",
  port: "int32",
  sectionName: "string",
};

const FILTER: Fields = {
  extensionRef: LOCAL_REFERENCE,
  requestHeaderModifier: "open",
  requestMirror: "open",
  requestRedirect: "open",
  responseHeaderModifier: "open",
  "type!": "enum:RequestHeaderModifier|ResponseHeaderModifier|RequestMirror|RequestRedirect|URLRewrite|ExtensionRef",
  urlRewrite: "open",
};

const VALUE_MATCH: Fields = { "name!": "string", type: "enum:Exact|RegularExpression=Exact", "value!": "string" };

/** HTTPRoute's spec; LLMInferenceService's router.route.http.spec embeds the same type. */
export const HTTP_ROUTE_SPEC: Fields = {
  hostnames: ["string"],
  parentRefs: [PARENT_REFERENCE],
  rules: [
    {
      backendRefs: [
        {
          filters: [FILTER],
          group: "string=",
          kind: "string=Service",
          "name!": "string",
          namespace: "string",
          port: "int32",
          weight: "int32=1",
        },
      ],
      filters: [FILTER],
      matches: [
        {
          headers: [VALUE_MATCH],
          method: "enum:GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH",
          path: { type: "enum:Exact|PathPrefix|RegularExpression=PathPrefix", value: "string=/" },
          queryParams: [VALUE_MATCH],
        },
      ],
      name: "string",
      timeouts: { backendRequest: "string", request: "string" },
    },
  ],
};

const HTTP_ROUTE_STATUS: Fields = {
  "parents!": [{ "conditions!": [CONDITION], "controllerName!": "string", "parentRef!": PARENT_REFERENCE }],
};

export const GATEWAY_API_SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  "gateway.networking.k8s.io/GatewayClass": {
    v1: kindSchema({
      "spec!": {
        "controllerName!": "string",
        description: "string",
        parametersRef: { ...LOCAL_REFERENCE, namespace: "string" },
      },
      status: { conditions: [CONDITION], supportedFeatures: [{ "name!": "string" }] },
    }),
  },
  "gateway.networking.k8s.io/Gateway": { v1: kindSchema({ "spec!": GATEWAY_SPEC, status: GATEWAY_STATUS }) },
  "gateway.networking.k8s.io/HTTPRoute": { v1: kindSchema({ "spec!": HTTP_ROUTE_SPEC, status: HTTP_ROUTE_STATUS }) },
};
