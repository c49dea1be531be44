// What pilot-agent writes into the gateway pod's Envoy bootstrap besides what istiod pushes over
// xDS (istio/istio pkg/bootstrap/config.go getStatsOptions, tools/packaging/common/envoy_bootstrap.json,
// as in openshift-service-mesh/istio 1.26): the node identity and `stats_config` — Istio's tag
// extractors with Envoy's defaults off, and a stats_matcher whose inclusion list is `reporter=`,
// the pod's prefixes then the required ones (cluster_manager, listener_manager, server,
// cluster.xds-grpc, wasm), its suffixes then the RBAC ones, its regexes then `vhost\..*\.route\..*`,
// then `component` and `istio`. So `/stats` on a gateway shows no `cluster.outbound|…` stat unless
// the pod asks for it: annotation `sidecar.istio.io/statsInclusion{Prefixes,Suffixes,Regexps}`
// (comma-separated), else `proxyStatsMatcher` in its `proxy.istio.io/config` ProxyConfig.
import type { KubeObject } from "@testbed/apimachinery";
import { parse } from "yaml";

const REQUIRED_PREFIXES = ["cluster_manager", "listener_manager", "server", "cluster.xds-grpc", "wasm"];
const RBAC_SUFFIXES = ["rbac.allowed", "rbac.denied", "shadow_allowed", "shadow_denied"];
const REQUIRED_REGEXES = ["vhost\\..*\\.route\\..*"];

/** envoy_bootstrap.json's stats_tags, in its order (extraStatTags not modelled). */
const ISTIO_STATS_TAGS = [
  { tag_name: "cluster_name", regex: "^cluster\\.((.+?(\\..+?\\.svc\\.cluster\\.local)?)\\.)" },
  { tag_name: "tcp_prefix", regex: "^tcp\\.((.*?)\\.)\\w+?$" },
  { regex: "_rq(_(\\d{3}))$", tag_name: "response_code" },
  { tag_name: "response_code_class", regex: "_rq(_(\\dxx))$" },
  {
    tag_name: "http_conn_manager_listener_prefix",
    regex: "^listener(?=\\.).*?\\.http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)",
  },
  {
    tag_name: "http_conn_manager_prefix",
    regex: "^http\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)",
  },
  {
    tag_name: "listener_address",
    regex: "^listener\\.(((?:[_.[:digit:]]*|[_\\[\\]aAbBcCdDeEfF[:digit:]]*))\\.)",
  },
  { tag_name: "mongo_prefix", regex: "^mongo\\.(.+?)\\.(collection|cmd|cx_|op_|delays_|decoding_)(.*?)$" },
  { regex: "(cache\\.(.+?)\\.)", tag_name: "cache" },
  { regex: "(component\\.(.+?)\\.)", tag_name: "component" },
  { regex: "(tag\\.(.+?);\\.)", tag_name: "tag" },
  { regex: "(wasm_filter\\.(.+?)\\.)", tag_name: "wasm_filter" },
  { tag_name: "authz_enforce_result", regex: "rbac(\\.(allowed|denied))" },
  { tag_name: "authz_dry_run_action", regex: "(\\.istio_dry_run_(allow|deny)_)" },
  { tag_name: "authz_dry_run_result", regex: "(\\.shadow_(allowed|denied))" },
];

interface ProxyStatsMatcher {
  inclusionPrefixes?: string[];
  inclusionSuffixes?: string[];
  inclusionRegexps?: string[];
}

/** The bootstrap fields pilot-agent writes for this pod (merged over the pushed config). */
export function pilotAgentBootstrap(pod: KubeObject, podIP: string): Record<string, unknown> {
  const annotations = pod.metadata.annotations ?? {};
  const matcher = proxyStatsMatcher(annotations["proxy.istio.io/config"]);
  // parseOption: the annotation wins over ProxyConfig (no merging); the required entries follow.
  const option = (annotation: string | undefined, fromProxyConfig: string[] | undefined, required: string[]) => [
    ...(annotation ? annotation.split(",") : (fromProxyConfig ?? [])),
    ...required,
  ];
  const prefixes = option(
    annotations["sidecar.istio.io/statsInclusionPrefixes"],
    matcher.inclusionPrefixes,
    REQUIRED_PREFIXES,
  );
  const suffixes = option(
    annotations["sidecar.istio.io/statsInclusionSuffixes"],
    matcher.inclusionSuffixes,
    RBAC_SUFFIXES,
  );
  const regexps = option(
    annotations["sidecar.istio.io/statsInclusionRegexps"],
    matcher.inclusionRegexps,
    REQUIRED_REGEXES,
  );
  const namespace = pod.metadata.namespace ?? "default";
  return {
    node: {
      id: `router~${podIP}~${pod.metadata.name}.${namespace}~${namespace}.svc.cluster.local`,
      cluster: `${pod.metadata.labels?.["service.istio.io/canonical-name"] ?? "istio-proxy"}.${namespace}`,
    },
    stats_config: {
      use_all_default_tags: false,
      stats_tags: ISTIO_STATS_TAGS,
      stats_matcher: {
        inclusion_list: {
          patterns: [
            { prefix: "reporter=" },
            ...prefixes.map((prefix) => ({ prefix })),
            ...suffixes.map((suffix) => ({ suffix })),
            ...regexps.map((regex) => ({ safe_regex: { regex } })),
            { prefix: "component" },
            { prefix: "istio" },
          ],
        },
      },
    },
  };
}

/** `proxyStatsMatcher` from the pod's ProxyConfig annotation (YAML or JSON); none when unreadable. */
function proxyStatsMatcher(config: string | undefined): ProxyStatsMatcher {
  if (!config) return {};
  try {
    const parsed = parse(config) as { proxyStatsMatcher?: ProxyStatsMatcher } | null;
    return parsed?.proxyStatsMatcher ?? {};
  } catch {
    return {};
  }
}
