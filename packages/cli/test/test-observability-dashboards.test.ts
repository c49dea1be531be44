import { describe, expect, it } from "vitest";
import { dashboardQueries, loadDashboards } from "../src/observability/dashboards.js";
import { concreteQuery, metricNamesIn } from "../src/observability/promql-names.js";

const dashboards = loadDashboards();

describe("the provisioned Grafana dashboards", () => {
  it("are the two the seed's team had: EPP routing and vLLM performance", () => {
    expect(dashboards.map((d) => [d.file, d.dashboard.uid, d.dashboard.title])).toEqual([
      ["epp-routing.json", "epp-routing", "EPP routing"],
      ["vllm-performance.json", "vllm-performance", "vLLM performance"],
    ]);
  });

  it.each(dashboards.map((d) => [d.file, d.dashboard] as const))(
    "%s: schema 39, panels with targets on datasource uid prometheus",
    (_file, dashboard) => {
      expect(dashboard.schemaVersion).toBe(39);
      const panels = dashboard.panels.filter((p) => p.type !== "row");
      expect(panels.length).toBeGreaterThanOrEqual(8);
      const ids = dashboard.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of panels) {
        expect(panel.title, `panel ${panel.id}`).toBeTruthy();
        expect(panel.datasource).toEqual({ type: "prometheus", uid: "prometheus" });
        expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
        for (const target of panel.targets ?? []) {
          expect(target.datasource?.uid, `${panel.title} ${target.refId}`).toBe("prometheus");
          expect(target.expr.trim(), `${panel.title} ${target.refId}`).not.toBe("");
        }
        const refIds = (panel.targets ?? []).map((t) => t.refId);
        expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      }
      for (const variable of dashboard.templating?.list ?? []) {
        expect(variable.datasource?.uid, variable.name).toBe("prometheus");
      }
    },
  );

  it("every variable a query uses is defined by its dashboard", () => {
    for (const { dashboard } of dashboards) {
      const defined = new Set((dashboard.templating?.list ?? []).map((v) => v.name));
      for (const query of dashboardQueries(dashboard)) {
        for (const [, name] of query.expr.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
          expect(defined.has(name!), `${query.panel}: $${name}`).toBe(true);
        }
      }
    }
  });

  it("the issue's panels are there: TTFT, ITL, throughput, KV usage, prefix-cache hit rate, preemptions, scheduler latency, pool queue and KV", () => {
    const exprs = dashboards
      .flatMap((d) => dashboardQueries(d.dashboard))
      .map((q) => q.expr)
      .join("\n");
    for (const metric of [
      "vllm:time_to_first_token_seconds_bucket",
      "vllm:inter_token_latency_seconds_bucket",
      "vllm:e2e_request_latency_seconds_bucket",
      "vllm:prompt_tokens_total",
      "vllm:generation_tokens_total",
      "vllm:num_requests_running",
      "vllm:num_requests_waiting",
      "vllm:kv_cache_usage_perc",
      "vllm:prefix_cache_hits_total",
      "vllm:prefix_cache_queries_total",
      "vllm:num_preemptions_total",
      "vllm:request_success_total",
      "inference_objective_request_total",
      "inference_extension_scheduler_e2e_duration_seconds_bucket",
      "inference_pool_average_queue_size",
      "inference_pool_average_kv_cache_utilization",
      "inference_pool_ready_pods",
    ]) {
      expect(exprs, metric).toContain(metric);
    }
    expect(exprs).toContain("sum by (pod, role) (rate(vllm:request_success_total");
  });
});

describe("metricNamesIn", () => {
  it("finds metric names, not functions, keywords, label names or grouping labels", () => {
    expect(
      metricNamesIn(
        'histogram_quantile(0.9, sum by (le, pod) (rate(vllm:time_to_first_token_seconds_bucket{model_name=~"$model_name", pod=~"a:b"}[1m])))',
      ),
    ).toEqual(["vllm:time_to_first_token_seconds_bucket"]);
    expect(
      metricNamesIn(
        "sum by (pod) (increase(a_total[5m])) / on (role) group_left sum by (role) (increase(b_total[5m])) or vector(0)",
      ),
    ).toEqual(["a_total", "b_total"]);
  });

  it("concreteQuery turns template variables into match-all regexes", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax inside a PromQL string.
    expect(concreteQuery('rate(x{pod=~"$pod", m=~"${model_name}"}[$__rate_interval])')).toBe(
      'rate(x{pod=~".*", m=~".*"}[1m])',
    );
  });
});
