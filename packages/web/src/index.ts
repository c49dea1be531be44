export type { AccessLogEntry } from "./access-log-entry.js";
export { parseAccessLogLine } from "./access-log-entry.js";
export type { ClusterCounters } from "./admin-clusters.js";
export { parseAdminClusters } from "./admin-clusters.js";
export { routeExtProcs } from "./ext-proc-routes.js";
export { sampleEvenly } from "./flow-feed.js";
export type {
  FlowEvent,
  ObjectDetail,
  Observation,
  PodGauges,
  RouteExtProc,
  StateLevel,
  StateLine,
  Topology,
  TopologyEdge,
  TopologyNode,
} from "./page-types.js";
export { fetchPodText } from "./pod-fetch.js";
export type { PodLogs, StoreView, TraceReader, WebSources } from "./sources.js";
export type { StateInput } from "./state-line.js";
export { currentRun, describeState } from "./state-line.js";
export { buildTopology, COLUMNS } from "./topology.js";
export type { WebServerHandle, WebServerOptions } from "./web-server.js";
export { startWebServer } from "./web-server.js";
