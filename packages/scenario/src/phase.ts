// A load run's figures in the seed's "Before and After" vocabulary: pod distribution
// ("25 / 25 / 25 / 25" or "Prefill 46/54, Decode 100/0"), cache hits ("86%") and EPP status.
import type { PodCounters } from "@testbed/load";
import type { PodGroup } from "./model.js";

export interface LoadMeasurement {
  requests: number;
  byStatus: Record<string, number>;
  throughEppShare: number;
  pods: PodCounters[];
  cacheHitRate: number | undefined;
}

export function podsIn(measurement: LoadMeasurement, group: PodGroup): PodCounters[] {
  const pods = group === "all" ? measurement.pods : measurement.pods.filter((pod) => pod.role === group);
  return [...pods].sort((a, b) => a.pod.localeCompare(b.pod));
}

/**
 * Prefill/decode disaggregation took place when the pods served more requests than the clients
 * sent: each request passes a prefill pod (remote prefill) and a decode pod.
 */
export function disaggregated(measurement: LoadMeasurement): boolean {
  const served = measurement.pods.reduce((total, pod) => total + pod.requests, 0);
  const answered = measurement.byStatus["200"] ?? 0;
  return answered > 0 && served >= 1.5 * answered;
}

export function eppStatus(measurement: LoadMeasurement): string {
  if (measurement.throughEppShare === 0) return "Dead";
  if (!disaggregated(measurement)) return "Working";
  return (measurement.cacheHitRate ?? 0) > 0.5 ? "Full" : "Working (P/D)";
}

export function cacheHitsText(measurement: LoadMeasurement): string {
  return `${Math.round((measurement.cacheHitRate ?? 0) * 100)}%`;
}

/** The 4-pod form when every pod served whole requests (no P/D), else per role; `form` forces one. */
export function distributionText(measurement: LoadMeasurement, form: "auto" | "pods" | "roles" = "auto"): string {
  const byRole = form === "roles" || (form === "auto" && disaggregated(measurement));
  if (!byRole) return percentages(podsIn(measurement, "all")).join(" / ");
  const roles = [...new Set(measurement.pods.map((pod) => pod.role))].sort(roleOrder);
  return roles
    .map((role) => {
      const pods = measurement.pods.filter((pod) => pod.role === role).sort((a, b) => a.pod.localeCompare(b.pod));
      return `${role.charAt(0).toUpperCase()}${role.slice(1)} ${percentages(pods).join("/")}`;
    })
    .join(", ");
}

/** Prefill before decode, as the seed writes it. */
function roleOrder(a: string, b: string): number {
  const rank = (role: string) => (role === "prefill" ? 0 : role === "decode" ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

function percentages(pods: PodCounters[]): number[] {
  const total = pods.reduce((sum, pod) => sum + pod.requests, 0);
  return pods.map((pod) => (total === 0 ? 0 : Math.round((pod.requests / total) * 100)));
}
