// The scrape config generated from a running rhoai-3.2 testbed, and the dashboards' metric names
// checked against what that testbed's vLLM pods and EPP really expose on the scraped addresses.
import { startTestbed, type TestbedHandle } from "@testbed/cluster";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { DEFAULT_TOPOLOGY } from "../src/commands/up.js";
import { dashboardQueries, loadDashboards } from "../src/observability/dashboards.js";
import { fetchPods } from "../src/observability/fetch-pods.js";
import { renderPrometheusConfig } from "../src/observability/prometheus-config.js";
import { metricNamesIn } from "../src/observability/promql-names.js";
import { type ScrapeTarget, scrapeTargets } from "../src/observability/scrape-targets.js";

let testbed: TestbedHandle;
let targets: ScrapeTarget[];
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

beforeAll(async () => {
  testbed = await startTestbed({ topology: DEFAULT_TOPOLOGY, apiPort: 0, timeScale: 0, subnet: 244 });
  await testbed.waitUntilReady(20_000);
  targets = scrapeTargets(await fetchPods(testbed.api.url));
}, 30_000);
afterAll(async () => {
  await testbed?.close();
});

interface ScrapeConfig {
  job_name: string;
  scheme: string;
  tls_config?: { insecure_skip_verify?: boolean };
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

describe("the embedded Prometheus config", () => {
  it("has a vllm job (https, no verification) with each vLLM pod on 8000, and an epp job on 9090, labelled namespace/pod/role", () => {
    const config = parse(renderPrometheusConfig(targets)) as { global: unknown; scrape_configs: ScrapeConfig[] };
    expect(config.global).toEqual({ scrape_interval: "5s", evaluation_interval: "5s" });
    const [vllm, epp] = config.scrape_configs;
    expect(vllm).toMatchObject({ job_name: "vllm", scheme: "https", tls_config: { insecure_skip_verify: true } });
    expect(epp).toMatchObject({ job_name: "epp", scheme: "http" });

    const pods = testbed.store.list("Pod", { namespace: "my-first-model" });
    const vllmPods = pods.filter((p) => p.metadata.labels?.["llm-d.ai/role"]);
    expect(vllmPods).toHaveLength(4);
    expect(vllm!.static_configs).toHaveLength(4);
    for (const pod of vllmPods) {
      const entry = vllm!.static_configs.find((c) => c.labels.pod === pod.metadata.name);
      expect(entry, pod.metadata.name).toEqual({
        targets: [`${pod.status?.podIP}:8000`],
        labels: { namespace: "my-first-model", pod: pod.metadata.name, role: pod.metadata.labels?.["llm-d.ai/role"] },
      });
    }
    const roles = vllm!.static_configs.map((c) => c.labels.role).sort();
    expect(roles).toEqual(["decode", "decode", "prefill", "prefill"]);

    const scheduler = pods.find((p) => p.metadata.name.includes("-router-scheduler-"));
    expect(epp!.static_configs).toEqual([
      {
        targets: [`${scheduler?.status?.podIP}:9090`],
        labels: { namespace: "my-first-model", pod: scheduler?.metadata.name, role: "epp" },
      },
    ]);
  });

  it("leaves out gateways, Authorino and Limitador (nothing of theirs is on the dashboards)", () => {
    const scraped = new Set(targets.map((t) => t.labels.pod));
    const others = testbed.store.list("Pod").filter((p) => !scraped.has(p.metadata.name));
    expect(others.map((p) => p.metadata.namespace).sort()).toEqual([
      "kuadrant-system",
      "kuadrant-system",
      "openshift-ingress",
      "openshift-ingress",
      "openshift-ingress",
    ]);
  });
});

describe("dashboard metric names", () => {
  it("every metric a dashboard query or variable reads is exposed on a scraped target's /metrics", async () => {
    const exported = new Set<string>();
    for (const target of targets) {
      const scheme = target.job === "vllm" ? "https" : "http";
      const response = await request(`${scheme}://${target.address}/metrics`, { dispatcher: insecure });
      expect(response.statusCode, target.address).toBe(200);
      for (const name of sampleNames(await response.body.text())) exported.add(name);
    }
    expect(exported.has("vllm:kv_cache_usage_perc")).toBe(true);
    expect(exported.has("inference_pool_ready_pods")).toBe(true);

    const used = new Set<string>();
    for (const { dashboard } of loadDashboards()) {
      for (const query of dashboardQueries(dashboard)) for (const name of metricNamesIn(query.expr)) used.add(name);
      for (const variable of dashboard.templating?.list ?? []) {
        const selector = /^label_values\((.*),\s*[A-Za-z_]+\)$/.exec(
          String(variable.query && (variable.query as { query: string }).query),
        )?.[1];
        expect(selector, variable.name).toBeDefined();
        for (const name of metricNamesIn(selector!)) used.add(name);
      }
    }
    expect(used.size).toBeGreaterThan(20);
    const unknown = [...used].filter((name) => !exported.has(name));
    expect(unknown).toEqual([]);
  });
});

/** Series names a scrape yields: from the TYPE lines, with a histogram's _bucket, _sum and _count. */
function sampleNames(exposition: string): string[] {
  const names: string[] = [];
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === "histogram") names.push(`${name}_bucket`, `${name}_sum`, `${name}_count`);
    else names.push(name!);
  }
  return names;
}
