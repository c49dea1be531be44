// Istio's translation details, checked against what its source emits (pilot/pkg/config/kube/gateway
// inferencepool_collection.go and conversion.go, pilot/pkg/networking/core cluster_tls.go,
// route/route.go, route/retry/retry.go; 1.26.2-redhat and 1.27–1.29).
import { createHash } from "node:crypto";
import type { KubeObject } from "@testbed/apimachinery";
import { readGatewayConfig } from "@testbed/gateway";
import { describe, expect, it } from "vitest";
import { autoSniOptions, transportSocket } from "../src/controllers/mesh/destination-rules.js";
import { gatewayHttpFilters } from "../src/controllers/mesh/http-filter-chain.js";
import { readInferencePool } from "../src/controllers/mesh/inference-pools.js";
import { istioDefaultRetryPolicy, ruleRetryPolicy } from "../src/controllers/mesh/istio-retry-policy.js";
import { shadowServiceName } from "../src/controllers/mesh/names.js";
import { quoteMeta, rewriteAction } from "../src/controllers/mesh/path-rewrite.js";
import { envoyDuration } from "../src/controllers/mesh/route-translation.js";
import { shadowService, shadowServiceExtension } from "../src/controllers/mesh/shadow-service.js";

/** The value at a dotted path of a JSON config. */
function dig(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], value);
}

const sha8 = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 8);

function pool(apiVersion: string, spec: Record<string, unknown>, name = "qwen3-0-6b-inference-pool"): KubeObject {
  return { apiVersion, kind: "InferencePool", metadata: { name, namespace: "ns", uid: "uid-1" }, spec };
}

const ALPHA = pool("inference.networking.x-k8s.io/v1alpha2", {
  selector: { app: "vllm" },
  targetPortNumber: 8000,
  extensionRef: { name: "epp", portNumber: 9002, failureMode: "FailOpen" },
});
const V1 = pool("inference.networking.k8s.io/v1", {
  selector: { matchLabels: { app: "vllm" } },
  targetPorts: [{ number: 8000 }, { number: 8001 }],
  endpointPickerRef: { name: "epp", port: { number: 9002 } },
});

describe("the InferencePool shadow Service", () => {
  it("is named <pool>-ip-<sha256(pool)[:8]>, the pool name cut at 51 characters as it falls", () => {
    expect(shadowServiceName("qwen3-0-6b-inference-pool")).toBe("qwen3-0-6b-inference-pool-ip-a5e07bf3");
    const long = `${"a".repeat(50)}-b${"c".repeat(20)}`;
    const name = shadowServiceName(long);
    expect(name).toBe(`${long.slice(0, 51)}-ip-${sha8(long)}`);
    expect(name).toHaveLength(63);
    // A cut that ends on "-" keeps it (Istio does not trim): "--ip-".
    const dashed = `${"x".repeat(50)}-tail-of-a-long-pool-name`;
    expect(shadowServiceName(dashed)).toBe(`${"x".repeat(50)}--ip-${sha8(dashed)}`);
  });

  it("carries Istio's labels, the endpoint picker read back from them, and one unnamed port up to 1.27", () => {
    const service = shadowService(readInferencePool(ALPHA), "1.27");
    expect(service.metadata.labels).toEqual({
      "istio.io/inferencepool-name": "qwen3-0-6b-inference-pool",
      "istio.io/inferencepool-extension-service": "epp",
      "istio.io/inferencepool-extension-port": "9002",
      "istio.io/inferencepool-extension-failure-mode": "FailOpen",
      "internal.istio.io/service-semantics": "inferencepool",
    });
    expect(service.spec).toEqual({
      type: "ClusterIP",
      clusterIP: "None",
      selector: { app: "vllm" },
      ports: [{ protocol: "TCP", port: 54321, targetPort: 8000 }],
    });
    expect(shadowServiceExtension(service)).toEqual({ service: "epp", port: 9002, failureMode: "FailOpen" });
    expect(shadowServiceExtension({ ...service, metadata: { ...service.metadata, labels: {} } })).toBeUndefined();
  });

  it("has one port per targetPort from 1.28: port<i> in 1.28.0, http-<i> from 1.28.1", () => {
    const view = readInferencePool(V1);
    expect(shadowService(view, "1.28.0").spec?.ports).toEqual([
      { name: "port0", protocol: "TCP", port: 54321, targetPort: 8000 },
      { name: "port1", protocol: "TCP", port: 54322, targetPort: 8001 },
    ]);
    expect(shadowService(view, "1.29").spec?.ports).toEqual([
      { name: "http-0", protocol: "TCP", port: 54321, targetPort: 8000 },
      { name: "http-1", protocol: "TCP", port: 54322, targetPort: 8001 },
    ]);
    expect(shadowService(view, "1.28").metadata.labels?.["istio.io/inferencepool-extension-failure-mode"]).toBe(
      "FailClose",
    );
  });
});

describe("DestinationRule TLS (cluster_tls.go)", () => {
  const CA = "/var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt";

  it("serves the CA over SDS as file-root:<path>, SANs as exact match_subject_alt_names, TLS 1.2–1.3", () => {
    const socket = transportSocket({
      mode: "SIMPLE",
      caCertificates: CA,
      subjectAltNames: ["a.ns.svc"],
      sni: "a.ns.svc",
    });
    const context = socket?.typed_config;
    const common = "common_tls_context";
    const combined = `${common}.combined_validation_context`;
    expect(dig(context, "sni")).toBe("a.ns.svc");
    expect(dig(context, `${common}.tls_params`)).toEqual({
      tls_minimum_protocol_version: "TLSv1_2",
      tls_maximum_protocol_version: "TLSv1_3",
    });
    expect(dig(context, `${combined}.default_validation_context`)).toEqual({
      match_subject_alt_names: [{ exact: "a.ns.svc" }],
    });
    expect(dig(context, `${combined}.validation_context_sds_secret_config.name`)).toBe(`file-root:${CA}`);
    const system = transportSocket({ mode: "SIMPLE" })?.typed_config;
    expect(dig(system, `${combined}.validation_context_sds_secret_config.name`)).toBe("file-root:system");
    const insecure = transportSocket({ mode: "SIMPLE", caCertificates: CA, insecureSkipVerify: true })?.typed_config;
    expect(dig(insecure, `${common}.validation_context`)).toEqual({});
    expect(dig(insecure, combined)).toBeUndefined();
    const mutual = transportSocket({
      mode: "MUTUAL",
      caCertificates: CA,
      clientCertificate: "/c",
      privateKey: "/k",
    })?.typed_config;
    expect(dig(mutual, `${common}.tls_certificate_sds_secret_configs.0.name`)).toBe("file-cert:/c~/k");
    expect(transportSocket({ mode: "DISABLE" })).toBeUndefined();
  });

  it("sets auto_sni without sni, and auto_san_validation too when no SANs are given and verification is on", () => {
    expect(autoSniOptions({ tls: { mode: "SIMPLE", caCertificates: CA } })).toEqual({
      auto_sni: true,
      auto_san_validation: true,
    });
    expect(autoSniOptions({ tls: { mode: "SIMPLE", subjectAltNames: ["x"] } })).toEqual({ auto_sni: true });
    expect(autoSniOptions({ tls: { mode: "SIMPLE", insecureSkipVerify: true } })).toEqual({ auto_sni: true });
    expect(autoSniOptions({ tls: { mode: "SIMPLE", sni: "a" } })).toBeUndefined();
    expect(autoSniOptions({ tls: { mode: "ISTIO_MUTUAL" } })).toBeUndefined();
  });

  it("is read by the gateway without warnings", () => {
    const socket = transportSocket(
      { mode: "SIMPLE", caCertificates: CA, subjectAltNames: ["a.ns.svc"] },
      { http2: true },
    );
    const bootstrap = {
      static_resources: {
        clusters: [
          {
            name: "c",
            type: "STATIC",
            transport_socket: socket,
            typed_extension_protocol_options: {
              "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
                "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                upstream_http_protocol_options: { auto_sni: true },
                explicit_http_config: { http2_protocol_options: {} },
              },
            },
          },
        ],
      },
    };
    const { config, warnings } = readGatewayConfig(bootstrap);
    expect(warnings).toEqual([]);
    expect(config.clusters[0]).toMatchObject({
      http2: true,
      auto_sni: true,
      tls: { common_tls_context: { validation_context: { trusted_ca: { filename: CA } } } },
    });
    expect(config.clusters[0]?.tls?.common_tls_context?.validation_context?.san_matchers).toHaveLength(4);
  });
});

describe("routes (route.go, retry.go, conversion.go)", () => {
  it("gives every route Istio's DefaultPolicy; an HTTPRoute retry stanza replaces attempts and codes", () => {
    expect(istioDefaultRetryPolicy()).toEqual({
      retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
      num_retries: 2,
      retry_host_predicate: [
        {
          name: "envoy.retry_host_predicates.previous_hosts",
          typed_config: {
            "@type": "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate",
          },
        },
      ],
      host_selection_retry_max_attempts: "5",
      retriable_status_codes: [503],
    });
    expect(ruleRetryPolicy({}, envoyDuration)).toEqual(istioDefaultRetryPolicy());
    expect(ruleRetryPolicy({ retry: { attempts: 0 } }, envoyDuration)).toBeUndefined();
    expect(
      ruleRetryPolicy({ retry: { attempts: 4, codes: [500, 502], backoff: "100ms" } }, envoyDuration),
    ).toMatchObject({
      retry_on: "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
      num_retries: 4,
      retriable_status_codes: [500, 502],
      retry_back_off: { base_interval: "0.1s" },
    });
    const noCodes = ruleRetryPolicy({ retry: {} }, envoyDuration);
    expect(noCodes?.retry_on).toBe("connect-failure,refused-stream,unavailable,cancelled");
    expect(noCodes).not.toHaveProperty("retriable_status_codes");
  });

  it("rewrites as Istio emits: ReplacePrefixMatch / → regex_rewrite, other prefixes trimmed → prefix_rewrite", () => {
    const rewrite = (value: string, match: Record<string, unknown>) =>
      rewriteAction(
        [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: value } } }],
        match,
      );
    expect(rewrite("/", { path_separated_prefix: "/ns/model.v1" })).toEqual({
      regex_rewrite: { pattern: { regex: "^/ns/model\\.v1(/?)(.*)" }, substitution: "/\\2" },
    });
    expect(rewrite("/", { prefix: "/" })).toEqual({
      regex_rewrite: { pattern: { regex: "^(/?)(.*)" }, substitution: "/\\2" },
    });
    expect(rewrite("/v1/", { path_separated_prefix: "/a" })).toEqual({ prefix_rewrite: "/v1" });
    expect(
      rewriteAction(
        [
          {
            type: "URLRewrite",
            urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/x" }, hostname: "h" },
          },
        ],
        {},
      ),
    ).toEqual({ regex_rewrite: { pattern: { regex: "/.*" }, substitution: "/x" }, host_rewrite_literal: "h" });
    expect(quoteMeta("a.b+c(d)")).toBe("a\\.b\\+c\\(d\\)");
  });

  it("puts the base ext_proc filter after the metadata exchange and before grpc_stats … router", () => {
    expect(gatewayHttpFilters(true).map((f) => f.name)).toEqual([
      "istio.metadata_exchange",
      "envoy.filters.http.ext_proc",
      "envoy.filters.http.grpc_stats",
      "istio.alpn",
      "envoy.filters.http.fault",
      "envoy.filters.http.cors",
      "istio.stats",
      "envoy.filters.http.router",
    ]);
    expect(gatewayHttpFilters(false).map((f) => f.name)).not.toContain("envoy.filters.http.ext_proc");
  });
});
