// Checks that look inside the cluster: a gateway's Envoy `/clusters` counters (read with
// `pilot-agent request GET /clusters` in its istio-proxy container, as the seed does) and a sample
// from the EPP's Prometheus endpoint on :9090.
import { isPodReady, type KubeObject, matchesSelector, parseSelector } from "@testbed/apimachinery";
import { parsePrometheusText, type Sample } from "@testbed/common";
import { request } from "undici";
import type { ClustersCheck, EppMetricCheck } from "../model.js";
import type { ExpectationResult } from "../results.js";
import { type RunContext, StepError } from "../run-context.js";
import { inRange, rangeText } from "./range.js";

export interface CheckOutcome {
  action: string;
  output: string;
  result: ExpectationResult;
}

/** The pods a selector matches (being deleted excluded), by name. */
export function matchingPods(context: RunContext, namespace: string | undefined, selector: string): KubeObject[] {
  const parsed = parseSelector(selector);
  return context.testbed.store
    .list("Pod", namespace ? { namespace } : {})
    .filter((pod) => !pod.metadata.deletionTimestamp && matchesSelector(parsed, pod.metadata.labels))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** The Ready ones (the first is the one a command runs in). */
export function readyPods(context: RunContext, namespace: string | undefined, selector: string): KubeObject[] {
  return matchingPods(context, namespace, selector).filter(isPodReady);
}

export async function checkClusters(context: RunContext, check: ClustersCheck): Promise<CheckOutcome> {
  const selector = `gateway.networking.k8s.io/gateway-name=${check.gateway}`;
  const pod = readyPods(context, check.namespace, selector)[0];
  if (!pod) throw new StepError(`no Ready pod of gateway ${check.namespace}/${check.gateway}`);
  const argv = ["exec", "-n", check.namespace, pod.metadata.name, "-c", "istio-proxy", "--"];
  const command = ["pilot-agent", "request", "GET", "/clusters"];
  const result = await context.oc([...argv, ...command]);
  if (result.code !== 0) throw new StepError(`pilot-agent request GET /clusters failed: ${result.err.trim()}`);
  const lines = result.out.split("\n").filter((line) => line.startsWith(`${check.cluster}::`));
  const statLines = lines.filter((line) => line.split("::")[2] === check.stat && line.split("::").length === 4);
  const sum = statLines.reduce((total, line) => total + Number(line.split("::")[3]), 0);
  const found = lines.length > 0;
  return {
    action: `oc ${argv.join(" ")} ${command.join(" ")} | grep '${check.cluster}::.*::${check.stat}::'`,
    output: statLines.join("\n"),
    result: {
      check: `clusters ${check.stat}`,
      expected: `${rangeText(check.range)} (summed over the hosts of ${check.cluster})`,
      measured: found ? String(sum) : "cluster not in /clusters",
      ok: found && inRange(sum, check.range),
    },
  };
}

/** The EPP: KServe's `<name>-kserve-router-scheduler` pods, or any pod running the inference-scheduler image. */
function eppPods(context: RunContext, namespace: string | undefined): KubeObject[] {
  return context.testbed.store
    .list("Pod", namespace ? { namespace } : {})
    .filter((pod) => isPodReady(pod) && !pod.metadata.deletionTimestamp && isEpp(pod))
    .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

function isEpp(pod: KubeObject): boolean {
  if (pod.metadata.labels?.app?.endsWith("-kserve-router-scheduler")) return true;
  const containers = (pod.spec?.containers ?? []) as { image?: string }[];
  return containers.some((container) => (container.image ?? "").split(":")[0]!.endsWith("llm-d-inference-scheduler"));
}

export async function checkEppMetric(context: RunContext, check: EppMetricCheck): Promise<CheckOutcome> {
  const pod = eppPods(context, check.namespace)[0];
  if (!pod)
    throw new StepError("no Ready EPP pod (label app=<name>-kserve-router-scheduler or the inference-scheduler image)");
  const url = `http://${pod.status?.podIP}:9090/metrics`;
  let text: string;
  try {
    const response = await request(url);
    text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
  } catch (error) {
    throw new StepError(`GET ${url} (${pod.metadata.name}): ${(error as Error).message}`);
  }
  const samples = metricSamples(text, check.name, check.labels);
  const sum = samples.reduce((total, sample) => total + sample.value, 0);
  const labels = Object.entries(check.labels).map(([key, value]) => `${key}="${value}"`);
  return {
    action: `GET ${pod.metadata.name}:9090/metrics | grep ${check.name}${labels.length ? `{${labels.join(",")}}` : ""}`,
    output: samples.map(sampleLine).join("\n"),
    result: {
      check: `eppMetric ${check.name}`,
      expected: rangeText(check.range),
      measured: samples.length === 0 ? "no such sample" : String(sum),
      ok: samples.length > 0 && inRange(sum, check.range),
    },
  };
}

/** The samples of `name` whose labels include the wanted ones. */
function metricSamples(text: string, name: string, wanted: Record<string, string>): Sample[] {
  return parsePrometheusText(text).filter(
    (sample) => sample.name === name && Object.entries(wanted).every(([key, value]) => sample.labels[key] === value),
  );
}

/** A sample as the exposition prints it. */
function sampleLine(sample: Sample): string {
  const labels = Object.entries(sample.labels).map(([key, value]) => `${key}="${value}"`);
  return `${sample.name}${labels.length ? `{${labels.join(",")}}` : ""} ${sample.value}`;
}
