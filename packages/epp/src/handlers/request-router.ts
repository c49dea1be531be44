import { randomUUID } from "node:crypto";
import type { Clock } from "@testbed/common";
import { REQUEST_ID_HEADER } from "@testbed/protocol";
import type { Datastore } from "../datastore/datastore.js";
import { type Endpoint, hostPort } from "../datastore/endpoint.js";
import type { EppLogger } from "../epp-log.js";
import type { EppMetrics } from "../metrics/epp-metrics.js";
import type { SchedulerConfig } from "../scheduling/config/endpoint-picker-config.js";
import type { InferenceRequest, SchedulingResult } from "../scheduling/framework.js";
import { prefixText } from "../scheduling/prefix/prefix-hashes.js";
import type { Scheduler } from "../scheduling/scheduler.js";
import { badJson, InferenceError, noCandidates, noModel, noTarget } from "./inference-error.js";

/** Where a request goes ("ip:port"), and the headers to set on its way upstream. */
export interface RoutingDecision {
  request: InferenceRequest;
  result: SchedulingResult;
  /** The primary profile's pick(s), "ip:port" — the value of x-gateway-destination-endpoint. */
  destination: string;
  target: Endpoint;
  /** Headers pre-request plugins want set on the upstream request. */
  headers: Record<string, string>;
}

export interface RouterParts {
  datastore: Datastore;
  scheduler: () => { scheduler: Scheduler; config: SchedulerConfig };
  metrics: EppMetrics;
  log: EppLogger;
  clock: Clock;
}

/**
 * From a request's headers and body to a routing decision: parse the body, narrow the candidates
 * to the subset hint if Envoy sent one, run a scheduling cycle, and let pre-request plugins add
 * their headers (x-prefiller-host-port) and record what they need (the prefix index).
 */
export class RequestRouter {
  constructor(private readonly parts: RouterParts) {}

  /** The request id Envoy sent, or a new one (the EPP generates it when missing). */
  requestId(headers: Record<string, string>): string {
    return headers[REQUEST_ID_HEADER] || randomUUID();
  }

  parse(headers: Record<string, string>, body: Buffer, requestId: string): InferenceRequest | InferenceError {
    if (body.length === 0) return { requestId, targetModel: "", headers, body: {}, prompt: "" };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch (error) {
      return badJson((error as Error).message);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return badJson("body is not a JSON object");
    const object = parsed as Record<string, unknown>;
    if (typeof object.model !== "string" || object.model === "") return noModel();
    return { requestId, targetModel: object.model, headers, body: object, prompt: prefixText(object) };
  }

  route(request: InferenceRequest, subsetHint: string[] | undefined): RoutingDecision | InferenceError {
    const { datastore, metrics, log } = this.parts;
    let candidates = datastore.candidates();
    if (subsetHint)
      candidates = candidates.filter((e) => subsetHint.includes(hostPort(e)) || subsetHint.includes(e.address));
    if (candidates.length === 0) return noCandidates();

    const { scheduler, config } = this.parts.scheduler();
    const started = this.parts.clock.monotonicNow();
    const { result, trace } = scheduler.schedule(request, candidates, log.verbosity >= 3);
    metrics.schedulerDuration.observe((this.parts.clock.monotonicNow() - started) / 1000);
    const targets = result.profileResults[result.primaryProfileName]?.targetEndpoints ?? [];
    const target = targets[0];
    if (!target) {
      metrics.schedulerAttempts.inc({ status: "failure" });
      log.verbose(3, "scheduling", "Scheduling failed", { "x-request-id": request.requestId, profiles: trace });
      return noTarget();
    }
    metrics.schedulerAttempts.inc({ status: "success" });
    const headers: Record<string, string> = {};
    for (const plugin of config.preRequest) plugin.preRequest(request, result, headers);
    const destination = targets.map(hostPort).join(",");
    log.verbose(3, "scheduling", "Scheduling decision", {
      "x-request-id": request.requestId,
      model: request.targetModel,
      destination,
      ...headers,
      profiles: trace,
    });
    return { request, result, destination, target, headers };
  }
}

export function isInferenceError(value: unknown): value is InferenceError {
  return value instanceof InferenceError;
}
