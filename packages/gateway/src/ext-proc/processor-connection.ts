// Opening an ext_proc stream on the processor's cluster, as Envoy's envoy_grpc client does: a
// stream on the cluster's HTTP/2 connection, counted on the cluster and in the filter's stats.
import { type ProcessorConnection, ProcessorFailure } from "@testbed/epp-client/client";
import { extProcService, type ProcessingRequest, type ProcessingResponse } from "@testbed/protocol";
import { lazyMethod } from "../grpc/envoy-grpc-stream.js";
import type { GrpcClusterClient } from "../grpc/grpc-cluster-client.js";
import type { ExtProcStats } from "./ext-proc-stats.js";

/** How long a processor has to end its side once the exchange is over, before the stream is reset. */
const RESET_GRACE_MS = 1000;

/** ExternalProcessor.Process. */
const extProcProcess = lazyMethod<ProcessingRequest, ProcessingResponse>(() => extProcService().definition.Process);

/**
 * A stream to the processor cluster `clusterName`; a ProcessorFailure with UNAVAILABLE (14) when
 * the config has no such cluster — Envoy's gRPC AsyncStreamImpl::initialize fails at start with
 * "Cluster not available" (the seed's Bug 2: `dummy`) — or the cluster no healthy host (the
 * router's local reply while the stream starts). Both fail before any body is moved.
 */
export function openProcessorConnection(
  clusterName: string,
  client: GrpcClusterClient | undefined,
  stats: ExtProcStats,
): ProcessorConnection {
  if (!client) throw new ProcessorFailure(14, "Cluster not available");
  const call = client.open();
  if (!call) throw new ProcessorFailure(14, `no healthy upstream in ${clusterName}`);
  stats.inc("streams_started");
  const stream = call.connection.stream(extProcProcess());
  return {
    call: stream,
    finished: (outcome) => call.done(outcome),
    halfClosed: () => stream.resetUnlessClosedWithin(RESET_GRACE_MS),
  };
}
