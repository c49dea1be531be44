import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** deploy/observability/dashboards: the JSON files Grafana provisions (compose mounts this directory). */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../../../deploy/observability/dashboards", import.meta.url));

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: DashboardPanel[];
  templating?: { list: { name: string; query?: unknown; datasource?: { uid?: string } }[] };
}

export interface DashboardFile {
  file: string;
  dashboard: Dashboard;
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  refId: string;
  expr: string;
}

export function loadDashboards(dir: string = DASHBOARD_DIR): DashboardFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => ({ file: name, dashboard: JSON.parse(readFileSync(join(dir, name), "utf8")) as Dashboard }));
}

/** Every PromQL expression of a dashboard's panels (rows have none). */
export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      dashboard: dashboard.title,
      panel: panel.title,
      refId: target.refId,
      expr: target.expr,
    })),
  );
}
