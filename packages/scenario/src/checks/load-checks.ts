// Checks on a `load:` run: statuses, per-pod distribution by role, prefix-cache hit rate, EPP share.
import type { Expectations, GroupBounds, PodGroup } from "../model.js";
import { type LoadMeasurement, podsIn } from "../phase.js";
import type { ExpectationResult } from "../results.js";
import { inRange, percent, rangeText } from "./range.js";

export function checkLoad(expect: Expectations, measurement: LoadMeasurement): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  const statuses = Object.entries(measurement.byStatus)
    .map(([status, count]) => `${status}: ${count}`)
    .join(", ");
  if (expect.statusCounts) {
    const wanted = expect.statusCounts;
    const ok = Object.entries(wanted).every(([status, count]) => (measurement.byStatus[status] ?? 0) === count);
    const expected = Object.entries(wanted)
      .map(([status, count]) => `${status}: ${count}`)
      .join(", ");
    results.push({ check: "status", expected, measured: statuses, ok });
  }
  if (expect.status) {
    const wanted = expect.status.map(String);
    const ok = Object.entries(measurement.byStatus).every(([status, count]) => count === 0 || wanted.includes(status));
    results.push({ check: "status", expected: `every response ${wanted.join(" or ")}`, measured: statuses, ok });
  }
  for (const [group, bounds] of Object.entries(expect.distribution ?? {}) as [PodGroup, GroupBounds][]) {
    results.push(...checkGroup(group, bounds, measurement));
  }
  if (expect.cacheHitRate) {
    // With prefix caching off vLLM counts no queries: no hits, as the seed's "0%" says.
    const rate = measurement.cacheHitRate ?? 0;
    const none = measurement.cacheHitRate === undefined ? " (no prefix-cache queries)" : "";
    results.push({
      check: "cacheHitRate",
      expected: rangeText(expect.cacheHitRate, percent),
      measured: `${percent(rate)}${none}`,
      ok: inRange(rate, expect.cacheHitRate),
    });
  }
  if (expect.throughEpp) {
    results.push({
      check: "throughEpp",
      expected: rangeText(expect.throughEpp, percent),
      measured: percent(measurement.throughEppShare),
      ok: inRange(measurement.throughEppShare, expect.throughEpp),
    });
  }
  return results;
}

function checkGroup(group: PodGroup, bounds: GroupBounds, measurement: LoadMeasurement): ExpectationResult[] {
  const pods = podsIn(measurement, group);
  const total = pods.reduce((sum, pod) => sum + pod.requests, 0);
  const shares = pods.map((pod) => (total === 0 ? 0 : pod.requests / total));
  const shown = `${pods.map((pod, i) => `${pod.pod} ${percent(shares[i]!)}`).join(", ") || "no pods"}`;
  const check = (name: string) => `distribution.${group}.${name}`;
  const results: ExpectationResult[] = [];
  if (bounds.pods) {
    const serving = pods.filter((pod) => pod.requests > 0).length;
    results.push({
      check: check("pods"),
      expected: `pods serving ${rangeText(bounds.pods)}`,
      measured: `${serving} of ${pods.length}`,
      ok: inRange(serving, bounds.pods),
    });
  }
  if (bounds.minShare !== undefined) {
    const min = bounds.minShare;
    results.push({
      check: check("minShare"),
      expected: `every pod ≥ ${percent(min)}`,
      measured: shown,
      ok: pods.length > 0 && shares.every((share) => share >= min),
    });
  }
  if (bounds.maxShare !== undefined) {
    const max = bounds.maxShare;
    results.push({
      check: check("maxShare"),
      expected: `every pod ≤ ${percent(max)}`,
      measured: shown,
      ok: pods.length > 0 && shares.every((share) => share <= max),
    });
  }
  if (bounds.maxPodShare) {
    const busiest = Math.max(0, ...shares);
    results.push({
      check: check("maxPodShare"),
      expected: `busiest pod ${rangeText(bounds.maxPodShare, percent)}`,
      measured: shown,
      ok: pods.length > 0 && inRange(busiest, bounds.maxPodShare),
    });
  }
  return results;
}
