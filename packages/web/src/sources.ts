// What the page reads from a running testbed, as narrow interfaces: the object store (what the API
// server serves), the pods' logs (the gateways' access logs), and plain HTTP GETs to the pods'
// /metrics and the gateways' admin port — the same places a participant reads with oc and curl.
import type { KubeObject } from "@testbed/apimachinery";
import type { Clock } from "@testbed/common";
import type { EnvoyVersion } from "@testbed/gateway";

/** The part of the testbed's object store the page reads. */
export interface StoreView {
  all(): KubeObject[];
  peekList(key: string): KubeObject[];
  /** Every change from now on; returns the unsubscribe function. */
  watch(handler: (event: { type: string; object: KubeObject }) => void): () => void;
}

/** The kubelet's log access (what `oc logs` and `oc logs -f` read). */
export interface PodLogs {
  followLogs(namespace: string, pod: string, container: string | undefined, onLine: (line: string) => void): () => void;
  queryLogs(
    namespace: string,
    pod: string,
    container: string | undefined,
    query: { tailLines?: number },
  ): { line: string }[];
}

/** Reads merged routing traces: one by x-request-id, or the last N. */
export interface TraceReader {
  collect(query: { id?: string; last?: number }): Promise<{ traces: readonly unknown[] }>;
}

export interface WebSources {
  store: StoreView;
  logs: PodLogs;
  /** GET a URL on a pod (http or https; pods' certificates are self-signed or from the service CA). */
  fetchText(url: string): Promise<string>;
  /**
   * The routing traces (packages/trace's TraceCollector: each pod's ring, merged by x-request-id),
   * when the testbed records them.
   */
  traces?: TraceReader | undefined;
  /** The Envoy release the gateways run (decides how ext_proc route overrides merge). */
  envoyVersion: EnvoyVersion;
  clock: Clock;
}
