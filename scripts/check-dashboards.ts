/**
 * Runs every PromQL expression of the two Grafana dashboards against a real Prometheus scraping the
 * embedded testbed, after the seed's fixes and some streaming load, and prints which return data.
 *   npx tsx --conditions=development scripts/check-dashboards.ts
 * Exit 0: every query returned at least one finite sample; 1: some did not; 0 with a note when
 * no `prometheus` binary is installed (CI machines). Not part of npm test for that reason.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import {
  concreteQuery,
  dashboardQueries,
  fetchPods,
  loadDashboards,
  planPrometheus,
  scrapeTargets,
  startEmbeddedPrometheus,
} from "@testbed/cli";
import { gatewayAddress, startTestbed, type TestbedHandle } from "@testbed/cluster";
import { runLoad } from "@testbed/load";
import { captureOc } from "@testbed/oc";
import { settle as settleCluster } from "@testbed/scenario";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NS = "my-first-model";
const SCRAPE_INTERVAL_S = 1;

const plan = planPrometheus(process.env.PATH);
if (plan.kind === "absent") {
  console.log(`check-dashboards: skipped, ${plan.hint}`);
  process.exit(0);
}

const testbed = await startTestbed({
  topology: `${ROOT}topologies/rhoai-3.2`,
  apiPort: 0,
  timeScale: 0,
  subnet: 245,
  restartBackoffMs: 100,
  probePeriodMs: 100,
});
let exitCode = 1;
try {
  await testbed.waitUntilReady(30_000);
  // Prometheus starts on the as-shipped pods, so the fixes below (which roll the scheduler and all
  // four vLLM pods) also exercise the regenerate-and-SIGHUP path.
  const prometheus = await startEmbeddedPrometheus({
    binary: plan.binary,
    apiUrl: testbed.api.url,
    watch: (handler) => testbed.store.watch(handler),
    listen: `127.0.0.1:${await freePort()}`,
    scrapeInterval: `${SCRAPE_INTERVAL_S}s`,
    debounceMs: 300,
    warn: (line) => console.error(line),
  });
  try {
    console.log(`prometheus ${prometheus.url}, config ${prometheus.configFile}`);
    await applySeedFixes(testbed);
    await waitForTargets(testbed, prometheus.url);
    await sleep(2_500 * SCRAPE_INTERVAL_S); // two scrapes of the idle, fixed cluster
    await sendLoad(testbed);
    await sleep(3_000 * SCRAPE_INTERVAL_S); // the counters' new values are scraped
    exitCode = await checkQueries(prometheus.url);
  } finally {
    await prometheus.stop();
  }
} finally {
  await testbed.close();
}
process.exit(exitCode);

async function oc(...argv: string[]): Promise<string> {
  const { code, out, err } = await captureOc(testbed.api.url, argv);
  if (code !== 0) throw new Error(`oc ${argv.join(" ")}: ${err}`);
  return out;
}

/** The seed's section 4: Bug 1 (EnvoyFilter), Bug 3 (scheduler TLS), Bug 4 (P/D config and prefix caching). */
async function applySeedFixes(handle: TestbedHandle): Promise<void> {
  process.stdout.write(await oc("apply", "-f", `${ROOT}manifests/08-envoyfilter-fix-extproc-body.yaml`));
  const tlsPatch = readFileSync(`${ROOT}manifests/09-scheduler-tls-patch.json`, "utf8");
  process.stdout.write(await oc("patch", "llminferenceservice", "qwen3-0-6b", "-n", NS, "--type=json", "-p", tlsPatch));
  await settle(handle);
  const pdPatch = readFileSync(`${ROOT}manifests/11-pd-config-patch.yaml`, "utf8");
  process.stdout.write(await oc("patch", "llminferenceservice", "qwen3-0-6b", "-n", NS, "--type=merge", "-p", pdPatch));
  await settle(handle);
}

/** As a scenario step waits after a change; fails when the cluster does not come back Ready. */
async function settle(handle: TestbedHandle): Promise<void> {
  const notReady = await settleCluster(handle);
  if (notReady) throw new Error(notReady);
}

/** Until Prometheus' active targets are exactly the current pods' and every one is up. */
async function waitForTargets(handle: TestbedHandle, url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const expected = scrapeTargets(await fetchPods(handle.api.url))
      .map((t) => t.address)
      .sort();
    const response = await fetch(`${url}/api/v1/targets?state=active`);
    const body = (await response.json()) as {
      data: { activeTargets: { labels: { instance: string }; health: string }[] };
    };
    const active = body.data.activeTargets;
    const instances = active.map((t) => t.labels.instance).sort();
    const allUp = active.every((t) => t.health === "up");
    if (allUp && JSON.stringify(instances) === JSON.stringify(expected)) {
      console.log(`targets up: ${instances.length} (${instances.join(", ")})`);
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`targets not as expected: want ${expected.join(",")}, have ${JSON.stringify(active)}`);
    }
    await sleep(500);
  }
}

/** Streaming chats with a shared system prompt: TTFT/ITL histograms fill and the prefix cache hits. */
async function sendLoad(handle: TestbedHandle): Promise<void> {
  const gateway = handle.store
    .list("gateway.networking.k8s.io/Gateway")
    .find((g) => g.metadata.name === "openshift-ai-inference");
  const address = gateway && gatewayAddress(gateway);
  if (!address) throw new Error("gateway openshift-ai-inference has no address");
  for (let batch = 0; batch < 2; batch++) {
    const { summary } = await runLoad({
      url: `https://${address}/my-first-model/qwen3-0-6b/v1/chat/completions`,
      model: "Qwen/Qwen3-0.6B",
      requests: 40,
      concurrency: 4,
      stream: true,
      seed: batch,
      workload: { type: "shared-prefix", prefixTokens: 512, suffixTokens: 32, outputTokens: 16 },
    });
    console.log(`load batch ${batch + 1}: ${JSON.stringify(summary.byStatus)}, through EPP ${summary.throughEppShare}`);
    await sleep(1_500 * SCRAPE_INTERVAL_S);
  }
}

interface QueryOutcome {
  series: number;
  finite: number;
  sample: string;
}

async function runQuery(url: string, expr: string): Promise<QueryOutcome> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(concreteQuery(expr))}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { value: [number, string] }[] };
  };
  if (body.status !== "success") return { series: 0, finite: 0, sample: `error: ${body.error}` };
  const values = (body.data?.result ?? []).map((r) => r.value[1]);
  const finite = values.filter((v) => Number.isFinite(Number(v)));
  return { series: values.length, finite: finite.length, sample: (finite[0] ?? values[0] ?? "-").slice(0, 12) };
}

async function checkQueries(url: string): Promise<number> {
  const rows: string[][] = [["dashboard", "panel", "ref", "series", "finite", "sample", "result"]];
  let failures = 0;
  for (const { dashboard } of loadDashboards()) {
    for (const query of dashboardQueries(dashboard)) {
      const outcome = await runQuery(url, query.expr);
      const ok = outcome.finite > 0;
      if (!ok) failures++;
      rows.push([
        query.dashboard,
        query.panel,
        query.refId,
        String(outcome.series),
        String(outcome.finite),
        outcome.sample,
        ok ? "ok" : "EMPTY",
      ]);
    }
  }
  for (const { dashboard } of loadDashboards()) {
    for (const variable of dashboard.templating?.list ?? []) {
      const values = await variableValues(url, String((variable.query as { query?: string } | undefined)?.query));
      if (values.length === 0) failures++;
      const row = [dashboard.title, `variable $${variable.name}`, "var", String(values.length), String(values.length)];
      rows.push([...row, (values[0] ?? "-").slice(0, 12), values.length > 0 ? "ok" : "EMPTY"]);
    }
  }
  printTable(rows);
  console.log(
    `\n${rows.length - 1 - failures}/${rows.length - 1} queries returned data${failures ? `; ${failures} did not` : ""}`,
  );
  return failures === 0 ? 0 : 1;
}

/** A Grafana `label_values(selector, label)` variable's values, as Grafana asks Prometheus for them. */
async function variableValues(url: string, query: string): Promise<string[]> {
  const match = /^label_values\((.*),\s*([A-Za-z_]+)\)$/.exec(query);
  if (!match) return [];
  const selector = concreteQuery(match[1]!);
  const response = await fetch(`${url}/api/v1/label/${match[2]}/values?match[]=${encodeURIComponent(selector)}`);
  const body = (await response.json()) as { status: string; data?: string[] };
  return body.status === "success" ? (body.data ?? []) : [];
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join("  "));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
