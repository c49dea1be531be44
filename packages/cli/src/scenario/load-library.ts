/**
 * The part of @testbed/load a `load:` step uses (notes/load-api.md). Injected, so tests can run
 * load steps against a stub and the runner does not depend on how the generator measures.
 */
import { measureRun, runLoad } from "@testbed/load";

export interface LoadRunOptions {
  url: string;
  model: string;
  requests: number;
  concurrency?: number;
  rate?: number;
  workload:
    | { type: "shared-prefix"; prefixTokens: number; suffixTokens: number; outputTokens: number }
    | { type: "random"; promptTokens: number; outputTokens: number };
  stream?: boolean;
  apiKey?: string;
  seed?: number;
}

export interface LoadRunRecord {
  status: number;
  throughEpp: boolean;
}

export interface LoadRunSummary {
  total: number;
  byStatus: Record<string, number>;
  durationMs: number;
  requestsPerSecond: number;
  throughEppShare: number;
}

export interface PodDelta {
  pod: string;
  role: string;
  requests: number;
  prefixHits: number;
  prefixQueries: number;
}

export interface ClusterMeasurement {
  pods: PodDelta[];
  cacheHitRate: number | undefined;
}

export interface LoadLibrary {
  runLoad(options: LoadRunOptions): Promise<{ records: LoadRunRecord[]; summary: LoadRunSummary }>;
  measureRun(
    apiUrl: string,
    run: () => Promise<unknown>,
    options?: { namespace?: string; selector?: string },
  ): Promise<ClusterMeasurement>;
}

/** The real generator. */
export async function defaultLoadLibrary(): Promise<LoadLibrary> {
  return { runLoad, measureRun };
}
