// EnvoyFilter and DestinationRule (networking.istio.io) as istio/api 1.26's
// kubernetes/customresourcedefinitions.gen.yaml defines them. As there, the root carries only spec
// and status, status keeps unknown fields, and a patch's `value` is an open Envoy config. The
// typed sub-trees of connectionPool, loadBalancer.consistentHash/localityLbSetting/warmup,
// outlierDetection and the match's filterChain/vhost are kept open here.
import { type Fields, type Schema, structural } from "./schema-notation.js";

const ISTIO_STATUS: Fields = {
  "...": "open",
  conditions: [
    {
      lastProbeTime: "date-time",
      lastTransitionTime: "date-time",
      message: "string",
      observedGeneration: "int-or-string",
      reason: "string",
      status: "string",
      type: "string",
    },
  ],
  observedGeneration: "int-or-string",
  validationMessages: [
    { documentationUrl: "string", level: "enum:UNKNOWN|ERROR|WARNING|INFO", type: { code: "string", name: "string" } },
  ],
};

const CLIENT_TLS: Fields = {
  caCertificates: "string",
  caCrl: "string",
  clientCertificate: "string",
  credentialName: "string",
  insecureSkipVerify: "boolean",
  mode: "enum:DISABLE|SIMPLE|MUTUAL|ISTIO_MUTUAL",
  privateKey: "string",
  sni: "string",
  subjectAltNames: ["string"],
};

const LOAD_BALANCER: Fields = {
  consistentHash: "open",
  localityLbSetting: "open",
  simple: "enum:UNSPECIFIED|LEAST_CONN|RANDOM|PASSTHROUGH|ROUND_ROBIN|LEAST_REQUEST",
  warmup: "open",
  warmupDurationSecs: "string",
};

const PORT_TRAFFIC_POLICY: Fields = {
  connectionPool: "open",
  loadBalancer: LOAD_BALANCER,
  outlierDetection: "open",
  port: { number: "integer" },
  tls: CLIENT_TLS,
};

const TRAFFIC_POLICY: Fields = {
  connectionPool: "open",
  loadBalancer: LOAD_BALANCER,
  outlierDetection: "open",
  portLevelSettings: [PORT_TRAFFIC_POLICY],
  proxyProtocol: { version: "enum:V1|V2" },
  tls: CLIENT_TLS,
  tunnel: { protocol: "string", "targetHost!": "string", "targetPort!": "integer" },
};

const DESTINATION_RULE_SPEC: Fields = {
  exportTo: ["string"],
  "host!": "string",
  subsets: [{ labels: "map", "name!": "string", trafficPolicy: TRAFFIC_POLICY }],
  trafficPolicy: TRAFFIC_POLICY,
  workloadSelector: { matchLabels: "map" },
};

const ENVOY_FILTER_SPEC: Fields = {
  configPatches: [
    {
      applyTo:
        "enum:INVALID|LISTENER|FILTER_CHAIN|NETWORK_FILTER|HTTP_FILTER|ROUTE_CONFIGURATION|VIRTUAL_HOST|HTTP_ROUTE|CLUSTER|EXTENSION_CONFIG|BOOTSTRAP|LISTENER_FILTER",
      match: {
        cluster: { name: "string", portNumber: "integer", service: "string", subset: "string" },
        context: "enum:ANY|SIDECAR_INBOUND|SIDECAR_OUTBOUND|GATEWAY",
        listener: {
          filterChain: "open",
          listenerFilter: "string",
          name: "string",
          portName: "string",
          portNumber: "integer",
        },
        proxy: { metadata: "map", proxyVersion: "string" },
        routeConfiguration: {
          gateway: "string",
          name: "string",
          portName: "string",
          portNumber: "integer",
          vhost: "open",
        },
      },
      patch: {
        filterClass: "enum:UNSPECIFIED|AUTHN|AUTHZ|STATS",
        operation: "enum:INVALID|MERGE|ADD|REMOVE|INSERT_BEFORE|INSERT_AFTER|INSERT_FIRST|REPLACE",
        value: "open",
      },
    },
  ],
  priority: "int32",
  targetRefs: [{ group: "string", "kind!": "string", "name!": "string", namespace: "string" }],
  workloadSelector: { labels: "map" },
};

const destinationRule = structural({ spec: DESTINATION_RULE_SPEC, status: ISTIO_STATUS });

export const ISTIO_NETWORKING_SCHEMAS: Readonly<Record<string, Record<string, Schema>>> = {
  "networking.istio.io/EnvoyFilter": { v1alpha3: structural({ spec: ENVOY_FILTER_SPEC, status: ISTIO_STATUS }) },
  // The three served versions share one schema in the real CRD.
  "networking.istio.io/DestinationRule": { v1: destinationRule, v1beta1: destinationRule, v1alpha3: destinationRule },
};
