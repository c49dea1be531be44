// Just enough of Prometheus' text exposition format to read vLLM's and the EPP's /metrics: samples
// with their labels. Comments (# HELP, # TYPE), blank lines and lines that are not samples are
// skipped. Not parse-prometheus-text-format: it drops the labels, _sum and _count of a histogram
// whose series carry labels besides `le`, and every vLLM histogram does. Read by the load
// generator's pod metrics (load/src/pod-metrics.ts), the workshop page's observation
// (web/src/observation.ts) and the scenario checks on pod metrics (scenario/src/checks/cluster-checks.ts).

/** One sample line: metric name, labels and value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    const value = match ? parseValue(match[3] as string) : undefined;
    if (!match || value === undefined) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL)) {
      labels[label[1] as string] = (label[2] as string).replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: match[1] as string, labels, value });
  }
  return samples;
}

/** The sum of a metric over its label sets that match `where` (all of them when omitted; 0 when absent). */
export function sumOf(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  let total = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
  }
  return total;
}

/** A sample's value as Go's strconv reads it (+Inf, -Inf, NaN included); undefined when it is not a number. */
function parseValue(text: string): number | undefined {
  if (text === "+Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}
