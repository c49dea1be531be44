// The two Grafana dashboards' key panels (deploy/observability/dashboards: "EPP routing" and "vLLM
// performance"), computed from the page's own samples over the last five minutes and drawn with
// uPlot: one small canvas per chart, redrawn with setData once a second.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import type { Observation } from "./api.js";

const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];

interface ChartSpec {
  title: string;
  /** Series names, and each series' value per sample (index > 0 gets the previous sample for rates). */
  series: (samples: Observation[]) => { names: string[]; values: (number | null)[][] };
}

const perPod = (pick: (p: Observation["pods"][number]) => number) => (samples: Observation[]) => {
  const names = [...new Set(samples.flatMap((s) => s.pods.map((p) => p.name)))].sort();
  return {
    names,
    values: names.map((name) =>
      samples.map((s) => s.pods.find((p) => p.name === name)).map((p) => (p ? pick(p) : null)),
    ),
  };
};

const ratePerPod = (pick: (p: Observation["pods"][number]) => number) => (samples: Observation[]) => {
  const names = [...new Set(samples.flatMap((s) => s.pods.map((p) => p.name)))].sort();
  const values = names.map((name) =>
    samples.map((s, i) => {
      const previous = samples[i - 1]?.pods.find((p) => p.name === name);
      const current = s.pods.find((p) => p.name === name);
      const seconds = i > 0 ? (s.at - (samples[i - 1] as Observation).at) / 1000 : 0;
      return previous && current && seconds > 0 ? Math.max(0, (pick(current) - pick(previous)) / seconds) : null;
    }),
  );
  return { names, values };
};

export const CHARTS: ChartSpec[] = [
  { title: "EPP routing: requests per pod (vLLM side, /s)", series: ratePerPod((p) => p.requestsFinished) },
  {
    title: "EPP routing: scheduling attempts (/s)",
    series: (samples) => {
      const rate = (pick: (s: Observation) => number) =>
        samples.map((s, i) => {
          const previous = samples[i - 1];
          return previous
            ? Math.max(0, (pick(s) - pick(previous)) / Math.max(0.001, (s.at - previous.at) / 1000))
            : null;
        });
      return {
        names: ["success", "failure"],
        values: [rate((s) => s.epp.attemptsSuccess), rate((s) => s.epp.attemptsFailure)],
      };
    },
  },
  { title: "vLLM performance: running requests", series: perPod((p) => p.running) },
  { title: "vLLM performance: waiting requests", series: perPod((p) => p.waiting) },
  { title: "vLLM performance: KV cache usage (%)", series: perPod((p) => 100 * p.kvUsage) },
  {
    title: "vLLM performance: prefix cache hit rate (%)",
    series: (samples) => {
      const hits = ratePerPod((p) => p.prefixHits)(samples);
      const queries = ratePerPod((p) => p.prefixQueries)(samples);
      const values = hits.values.map((row, i) =>
        row.map((h, j) => {
          const q = queries.values[i]?.[j];
          return h !== null && q ? (100 * h) / q : null;
        }),
      );
      return { names: hits.names, values };
    },
  },
];

export function Charts({ samples }: { samples: Observation[] }) {
  return (
    <section aria-labelledby="charts-title" class="panel">
      <h2 id="charts-title">Dashboards (last 5 minutes, while this page is open)</h2>
      <div class="charts">
        {CHARTS.map((spec) => (
          <Chart key={spec.title} spec={spec} samples={samples} />
        ))}
      </div>
    </section>
  );
}

function Chart({ spec, samples }: { spec: ChartSpec; samples: Observation[] }) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const names = useRef<string>("");
  useEffect(() => () => plot.current?.destroy(), []);
  useEffect(() => {
    if (!holder.current) return;
    const { names: series, values } = spec.series(samples);
    const data = [samples.map((s) => s.at / 1000), ...values] as uPlot.AlignedData;
    if (!plot.current || names.current !== series.join()) {
      plot.current?.destroy();
      names.current = series.join();
      plot.current = new uPlot(
        {
          width: 360,
          height: 170,
          legend: { show: true },
          series: [
            {},
            ...series.map((name, i) => ({ label: shortName(name), stroke: PALETTE[i % PALETTE.length], width: 1.5 })),
          ],
          axes: [{ space: 60 }, { size: 44 }],
        },
        data,
        holder.current,
      );
      return;
    }
    plot.current.setData(data);
  }, [samples]);
  return (
    <figure class="chart">
      <figcaption>{spec.title}</figcaption>
      <div ref={holder} role="img" aria-label={spec.title} />
    </figure>
  );
}

/** A pod's name without its ReplicaSet hash, as Grafana's legend would abbreviate it. */
function shortName(name: string): string {
  return name.replace(/^qwen3-0-6b-kserve-/, "").replace(/-[a-z0-9]{8,10}-([a-z0-9]{5})$/, "-$1");
}
