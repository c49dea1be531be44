// Envoy's tag extraction (source/common/stats/tag_producer_impl.cc): each extractor's regex runs on
// the full stat name; its first capture group is cut out of the name and its second is the tag's
// value. /stats/prometheus prints the cut name with the tags as labels. Envoy's default extractors
// (source/common/config/well_known_names.cc, `envoy.`-prefixed tag names) apply unless the
// bootstrap says `use_all_default_tags: false`, as Istio's does, listing its own (`cluster_name`,
// `http_conn_manager_prefix`, `response_code` …) in `stats_tags`.
import type { StatsConfig } from "../config/stats-config.js";

interface Extractor {
  name: string;
  regex: RegExp;
}

/** The default extractors the gateway's stat names can meet (the others are for filters it lacks). */
const DEFAULT_EXTRACTORS: Extractor[] = [
  { name: "envoy.response_code", regex: /_rq(_(\d{3}))$/d },
  { name: "envoy.response_code_class", regex: /_rq_(\d)xx$/d },
  { name: "envoy.cluster_name", regex: /^cluster\.(([^.]+)\.).*/d },
  { name: "envoy.http_conn_manager_prefix", regex: /^http\.((.*?)\.)/d },
  { name: "envoy.listener_address", regex: /^listener\.(((?:[_.0-9]*|[_[\]aAbBcCdDeEfF0-9]*))\.)/d },
  { name: "envoy.virtual_host", regex: /^vhost\.((.*?)\.)/d },
];

export interface TaggedName {
  name: string;
  tags: Array<[string, string]>;
}

export function extractTags(fullName: string, config: StatsConfig): TaggedName {
  const custom = config.tags;
  const names = new Set(custom.map((tag) => tag.name));
  const extractors = [
    ...custom,
    ...(config.useAllDefaultTags ? DEFAULT_EXTRACTORS.filter((tag) => !names.has(tag.name)) : []),
  ];
  const cuts: Array<[number, number]> = [];
  const tags: Array<[string, string]> = [];
  for (const { name, regex } of extractors) {
    if (tags.some(([tag]) => tag === name)) continue;
    const match = regex.exec(fullName);
    const cut = match?.indices?.[1];
    const value = match?.[2];
    if (!match || !cut || value === undefined) continue;
    tags.push([name, value]);
    cuts.push(cut);
  }
  let name = "";
  for (let i = 0; i < fullName.length; i++) if (!cuts.some(([from, to]) => i >= from && i < to)) name += fullName[i];
  return { name, tags };
}
