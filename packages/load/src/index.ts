export type { ChatCall } from "./chat-request.js";
export { flattenHeaders, sendChat } from "./chat-request.js";
export {
  clusterReport,
  DEFAULT_NAMESPACE,
  DEFAULT_SELECTOR,
  diffSnapshots,
  listPodTargets,
  measureRun,
  measureTargets,
  POD_METRICS_PORT,
  ROLE_LABEL,
  snapshotPods,
  snapshotTargets,
} from "./cluster-measure.js";
export { formatReport } from "./format-report.js";
export {
  DEFAULT_CHAT_PATH,
  DEFAULT_GATEWAY,
  GATEWAY_NAMESPACE,
  GatewayAddressError,
  gatewayAddress,
  gatewayUrl,
} from "./gateway-address.js";
export { histogramDelta, histogramOf, histogramPercentiles, histogramQuantile, histogramSum } from "./histograms.js";
export { percentiles } from "./percentiles.js";
export type { PodMetrics } from "./pod-metrics.js";
export { fetchPodMetrics, LATENCY_METRICS } from "./pod-metrics.js";
export type { ProgressBar } from "./progress-bar.js";
export { progressBar } from "./progress-bar.js";
export { PROMPT_WORDS } from "./prompt-words.js";
export type { PromptMessage } from "./prompts.js";
export { buildMessages, buildPrompt } from "./prompts.js";
export { DEFAULT_MODEL, LoadOptionsError, requestBody, runLoad, validateLoadOptions } from "./run-load.js";
export { summarize } from "./summary.js";
export type {
  ClusterReport,
  ClusterSnapshot,
  HistogramData,
  LoadOptions,
  LoadSummary,
  Percentiles,
  PodCounters,
  PodHistograms,
  PodTarget,
  RequestRecord,
  Workload,
} from "./types.js";
