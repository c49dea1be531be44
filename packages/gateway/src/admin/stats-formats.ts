// /stats in Envoy's three shapes: text (`name: value`, sorted), `?format=json`
// (`{"stats":[{"name","value"}]}`) and /stats/prometheus (`envoy_` + the tag-extracted name with
// every character outside [a-zA-Z0-9_] turned into `_`, tags as labels, one `# TYPE` line per
// metric family). `?filter=` keeps names the regex finds anywhere in them (RE2 partial match);
// `?usedonly` keeps stats that were ever non-zero, here those that are.
import type { StatsConfig } from "../config/stats-config.js";
import type { AdminReply } from "./config-dump.js";
import { extractTags } from "./stat-tags.js";
import type { Stat } from "./stats-snapshot.js";

const TEXT = "text/plain; charset=UTF-8";

export function statsReply(stats: Stat[], query: URLSearchParams, config: StatsConfig): AdminReply {
  const filter = query.get("filter");
  let regex: RegExp | undefined;
  if (filter !== null && filter !== "") {
    try {
      regex = new RegExp(filter);
    } catch (error) {
      return { status: 400, body: `Invalid re2 regex: ${(error as Error).message}\n`, contentType: TEXT };
    }
  }
  const kept = stats.filter(
    (stat) => (!regex || regex.test(stat.name)) && (!query.has("usedonly") || Number(stat.value) !== 0),
  );
  if (query.get("format") === "json") {
    const body = JSON.stringify({ stats: kept.map(({ name, value }) => ({ name, value: Number(value) })) }, null, 1);
    return { status: 200, body: `${body}\n`, contentType: "application/json" };
  }
  if (query.get("format") === "prometheus") return prometheusReply(kept, config);
  return { status: 200, body: kept.map((stat) => `${stat.name}: ${stat.value}\n`).join(""), contentType: TEXT };
}

export function prometheusReply(stats: Stat[], config: StatsConfig): AdminReply {
  const families = new Map<string, { kind: Stat["kind"]; lines: string[] }>();
  for (const stat of stats) {
    const { name, tags } = extractTags(stat.name, config);
    const metric = `envoy_${sanitize(name)}`;
    const family = families.get(metric) ?? { kind: stat.kind, lines: [] };
    const labels = tags.map(([tag, value]) => `${sanitize(tag)}="${escapeLabel(value)}"`).join(",");
    family.lines.push(`${metric}${labels ? `{${labels}}` : ""} ${stat.value}`);
    families.set(metric, family);
  }
  const body = [...families.keys()]
    .sort()
    .map((metric) => {
      const family = families.get(metric) as { kind: Stat["kind"]; lines: string[] };
      return `# TYPE ${metric} ${family.kind}\n${family.lines.join("\n")}\n`;
    })
    .join("");
  return { status: 200, body, contentType: "text/plain; version=0.0.4; charset=UTF-8" };
}

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
