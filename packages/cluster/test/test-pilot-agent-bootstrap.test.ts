// pilot-agent's part of the gateway's bootstrap: Istio's stats_matcher, to which the pod's
// proxyStatsMatcher (proxy.istio.io/config) or sidecar.istio.io/statsInclusion* annotations add,
// and what the gateway's /stats then shows.
import type { KubeObject } from "@testbed/apimachinery";
import { silentSink } from "@testbed/common";
import { startGateway } from "@testbed/gateway";
import { describe, expect, it } from "vitest";
import { pilotAgentBootstrap } from "../src/kubelet/runtimes/pilot-agent-bootstrap.js";

const EPP = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";

function pod(annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "gw-abc", namespace: "openshift-ingress", annotations },
  } as KubeObject;
}

type Pattern = Record<string, unknown>;
const patterns = (bootstrap: Record<string, unknown>) =>
  (bootstrap.stats_config as { stats_matcher: { inclusion_list: { patterns: Pattern[] } } }).stats_matcher
    .inclusion_list.patterns as Pattern[];

/** /stats of a gateway with one cluster (the EPP's) under this bootstrap. */
async function statsUnder(bootstrap: Record<string, unknown>): Promise<string> {
  const config = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 0 } } },
    static_resources: {
      clusters: [
        {
          name: EPP,
          type: "STATIC",
          load_assignment: {
            cluster_name: EPP,
            endpoints: [
              {
                lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 1 } } } }],
              },
            ],
          },
        },
      ],
    },
    ...bootstrap,
  };
  const gateway = await startGateway(config, { accessLogSink: silentSink, log: silentSink, configDelivery: "xds" });
  try {
    return await (await fetch(`${gateway.adminUrl}/stats`)).text();
  } finally {
    await gateway.close();
  }
}

describe("pilot-agent's bootstrap", () => {
  it("writes Istio's inclusion list: required prefixes, RBAC suffixes, the vhost route regex, component, istio", () => {
    expect(patterns(pilotAgentBootstrap(pod(), "10.0.0.5"))).toEqual([
      { prefix: "reporter=" },
      { prefix: "cluster_manager" },
      { prefix: "listener_manager" },
      { prefix: "server" },
      { prefix: "cluster.xds-grpc" },
      { prefix: "wasm" },
      { suffix: "rbac.allowed" },
      { suffix: "rbac.denied" },
      { suffix: "shadow_allowed" },
      { suffix: "shadow_denied" },
      { safe_regex: { regex: "vhost\\..*\\.route\\..*" } },
      { prefix: "component" },
      { prefix: "istio" },
    ]);
  });

  it("names the node as a router in the pod's namespace", () => {
    expect(pilotAgentBootstrap(pod(), "10.0.0.5").node).toMatchObject({
      id: "router~10.0.0.5~gw-abc.openshift-ingress~openshift-ingress.svc.cluster.local",
    });
  });

  it("hides the EPP cluster's stats by default, shows them under the pod's proxyStatsMatcher", async () => {
    expect(await statsUnder(pilotAgentBootstrap(pod(), "10.0.0.5"))).not.toContain(EPP);
    const config = 'proxyStatsMatcher:\n  inclusionRegexps:\n    - ".*9002.*"\n';
    const annotated = pilotAgentBootstrap(pod({ "proxy.istio.io/config": config }), "10.0.0.5");
    expect(patterns(annotated)).toContainEqual({ safe_regex: { regex: ".*9002.*" } });
    expect(await statsUnder(annotated)).toContain(`cluster.${EPP}.ssl.fail_verify_error: 0\n`);
  });

  it("lets the statsInclusion annotations win over ProxyConfig, as parseOption does", () => {
    const bootstrap = pilotAgentBootstrap(
      pod({
        "proxy.istio.io/config": "proxyStatsMatcher:\n  inclusionPrefixes: [cluster.outbound]\n",
        "sidecar.istio.io/statsInclusionPrefixes": "http.outbound_0.0.0.0_443,cluster.outbound|9002",
      }),
      "10.0.0.5",
    );
    const prefixes = patterns(bootstrap).flatMap((p) => (typeof p.prefix === "string" ? [p.prefix] : []));
    expect(prefixes.slice(0, 3)).toEqual(["reporter=", "http.outbound_0.0.0.0_443", "cluster.outbound|9002"]);
    expect(prefixes).not.toContain("cluster.outbound");
  });
});
