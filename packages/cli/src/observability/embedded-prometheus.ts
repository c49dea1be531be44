import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchPods } from "./fetch-pods.js";
import { type LocalPrometheus, startLocalPrometheus } from "./local-prometheus.js";
import { renderPrometheusConfig } from "./prometheus-config.js";
import { scrapeTargets } from "./scrape-targets.js";

/** A store watch as ObjectStore.watch offers it: events carry the kind key; the return value unsubscribes. */
export type PodWatch = (handler: (event: { key: string }) => void) => () => void;

export interface EmbeddedPrometheusOptions {
  binary: string;
  apiUrl: string;
  /** The API server's bearer token, when it requires one. */
  apiToken?: string;
  /** The CA of an HTTPS API server. */
  apiCa?: string;
  watch: PodWatch;
  listen?: string;
  scrapeInterval?: string;
  /** Quiet time after the last pod event before the config is rebuilt (pods roll in bursts). */
  debounceMs?: number;
  warn?: (message: string) => void;
}

export interface EmbeddedPrometheus {
  url: string;
  configFile: string;
  /** Rebuild the config from the API server now; reloads Prometheus only when the targets changed. */
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Prometheus scraping the running testbed: the config is generated from the API server's pod list,
 * and regenerated (then Prometheus is sent SIGHUP) whenever pods come and go, e.g. when a patch rolls them.
 */
export async function startEmbeddedPrometheus(options: EmbeddedPrometheusOptions): Promise<EmbeddedPrometheus> {
  const workDir = mkdtempSync(join(tmpdir(), "testbed-prometheus-"));
  const configFile = join(workDir, "prometheus.yml");
  const render = async () =>
    renderPrometheusConfig(scrapeTargets(await fetchPods(options.apiUrl, options.apiToken, options.apiCa)), {
      scrapeInterval: options.scrapeInterval,
    });
  let written: string;
  let prometheus: LocalPrometheus;
  try {
    written = await render();
    writeFileSync(configFile, written);
    prometheus = await startLocalPrometheus({ binary: options.binary, configFile, workDir, listen: options.listen });
  } catch (error) {
    // Nothing runs yet: the API server did not list the pods, or Prometheus did not start.
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }

  const refresh = async () => {
    const next = await render();
    if (next === written) return;
    written = next;
    writeFileSync(configFile, next);
    prometheus.reload();
  };
  let timer: NodeJS.Timeout | undefined;
  const unwatch = options.watch((event) => {
    if (event.key !== "Pod") return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      refresh().catch((error: Error) => options.warn?.(`prometheus: config not refreshed: ${error.message}`));
    }, options.debounceMs ?? 500);
  });

  return {
    url: prometheus.url,
    configFile,
    refresh,
    async stop() {
      unwatch();
      clearTimeout(timer);
      await prometheus.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
