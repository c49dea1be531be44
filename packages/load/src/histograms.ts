import type { Sample } from "@testbed/common";
import type { HistogramData, Percentiles } from "./types.js";

/** A histogram's buckets summed over its label sets (engines, models); undefined when the metric is absent. */
export function histogramOf(samples: readonly Sample[], name: string): HistogramData | undefined {
  const buckets = new Map<number, number>();
  let sum = 0;
  let count = 0;
  let seen = false;
  for (const sample of samples) {
    if (sample.name === `${name}_bucket` && sample.labels.le !== undefined) {
      const le = sample.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      buckets.set(le, (buckets.get(le) ?? 0) + sample.value);
      seen = true;
    } else if (sample.name === `${name}_sum`) sum += sample.value;
    else if (sample.name === `${name}_count`) count += sample.value;
  }
  if (!seen) return undefined;
  const le = [...buckets.keys()].sort((a, b) => a - b);
  return { le, cumulative: le.map((bound) => buckets.get(bound) ?? 0), sum, count };
}

/** after − before, bucket by bucket; a reset counter (pod restarted) counts from zero, as Prometheus' increase(). */
export function histogramDelta(before: HistogramData | undefined, after: HistogramData): HistogramData {
  if (!before || after.count < before.count || before.le.join() !== after.le.join()) return after;
  return {
    le: after.le,
    cumulative: after.cumulative.map((value, i) => value - (before.cumulative[i] ?? 0)),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/** Add histograms with the same buckets (several pods' deltas). */
export function histogramSum(histograms: readonly HistogramData[]): HistogramData | undefined {
  const [first, ...rest] = histograms;
  if (!first) return undefined;
  const total: HistogramData = { ...first, cumulative: [...first.cumulative] };
  for (const histogram of rest) {
    if (histogram.le.join() !== total.le.join()) continue;
    histogram.cumulative.forEach((value, i) => {
      total.cumulative[i] = (total.cumulative[i] ?? 0) + value;
    });
    total.sum += histogram.sum;
    total.count += histogram.count;
  }
  return total;
}

/**
 * Prometheus' histogram_quantile(): find the bucket holding rank q·count and interpolate linearly
 * inside it (from 0 for the first bucket); a rank in the +Inf bucket answers the highest finite bound.
 */
export function histogramQuantile(histogram: HistogramData, q: number): number {
  const total = histogram.cumulative[histogram.cumulative.length - 1] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < histogram.le.length; i++) {
    const upper = histogram.le[i] as number;
    const count = histogram.cumulative[i] as number;
    if (count >= rank) {
      if (!Number.isFinite(upper)) return lowerBound;
      if (count === lowerCount) return upper;
      return lowerBound + (upper - lowerBound) * ((rank - lowerCount) / (count - lowerCount));
    }
    lowerBound = upper;
    lowerCount = count;
  }
  return lowerBound;
}

/** p50/p90/p99 by interpolation and the exact mean (sum/count), converted by `scale` (1000: seconds → ms). */
export function histogramPercentiles(histogram: HistogramData, scale = 1000): Percentiles | undefined {
  if (histogram.count <= 0) return undefined;
  return {
    p50: histogramQuantile(histogram, 0.5) * scale,
    p90: histogramQuantile(histogram, 0.9) * scale,
    p99: histogramQuantile(histogram, 0.99) * scale,
    mean: (histogram.sum / histogram.count) * scale,
  };
}
