import { randomUUID } from "node:crypto";
import type { Clock } from "@testbed/common";
import { REQUEST_ID_HEADER } from "@testbed/protocol";
import { hopStart, type ProfileRun, type TraceRing } from "@testbed/trace";
import type { Datastore } from "../datastore/datastore.js";
import { type Endpoint, hostPort } from "../datastore/endpoint.js";
import type { EmulatedVersion } from "../emulation/emulated-version.js";
import { goMapTypeError, goUnmarshal } from "../emulation/go-json.js";
import type { EppLogger } from "../epp-log.js";
import type { EppMetrics } from "../metrics/epp-metrics.js";
import type { SchedulerConfig } from "../scheduling/config/endpoint-picker-config.js";
import type { InferenceRequest, SchedulingResult } from "../scheduling/framework.js";
import { prefixText } from "../scheduling/prefix/prefix-hashes.js";
import type { Scheduler } from "../scheduling/scheduler.js";
import { recordScheduling } from "../trace/scheduling-trace.js";
import { badJson, InferenceError, noCandidates, noModel, noPods, noTarget } from "./inference-error.js";

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

/** A parsed request: what the scheduler sees, and the model name the client asked for. */
export interface ParsedRequest {
  request: InferenceRequest;
  /** The body's `model` as sent (the metrics' model_name); request.targetModel is after any rewrite. */
  clientModel: string;
}

export interface RouterParts {
  version: EmulatedVersion;
  datastore: Datastore;
  scheduler: () => { scheduler: Scheduler; config: SchedulerConfig };
  metrics: EppMetrics;
  log: EppLogger;
  clock: Clock;
  /** Uniform in [0, 1), seeded: the random pick for requests without a body. */
  random: () => number;
  /** The routing trace's ring and the pool it names (off: nothing recorded). */
  traces?: { ring: TraceRing; pool: string };
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

  /**
   * The body as the real EPP reads it: Go's json.Unmarshal into a map (its syntax errors word for
   * word), `model` required, then the rewrite header (x-gateway-model-name-rewrite, or llm-d's
   * x-llm-d-model-name-rewrite) replaces the model the request is scheduled and sent for.
   */
  parse(headers: Record<string, string>, body: Buffer, requestId: string): ParsedRequest | InferenceError {
    const { version } = this.parts;
    const decoded = goUnmarshal(body);
    if ("syntaxError" in decoded) return badJson(version, decoded.syntaxError, body, this.parts.log.verbosity);
    const parsed = decoded.value;
    const typeError = goMapTypeError(parsed);
    if (typeError) return badJson(version, typeError, body, this.parts.log.verbosity);
    const object = (parsed ?? {}) as Record<string, unknown>;
    if (typeof object.model !== "string" || object.model === "") return noModel();
    const clientModel = object.model;
    const rewrite = version.modelRewriteHeaders.map((name) => headers[name]).find((value) => value);
    const targetModel = rewrite ?? clientModel;
    const request = { requestId, targetModel, headers, body: object, prompt: prefixText(object) };
    return { request, clientModel };
  }

  /** A request without a body (a GET): any ready endpoint, as the real EPP picks one at random. */
  randomEndpoint(): Endpoint | InferenceError {
    const candidates = this.parts.datastore.candidates();
    if (candidates.length === 0) return noPods();
    const index = Math.floor(this.parts.random() * candidates.length);
    return candidates[index] as Endpoint;
  }

  route(
    request: InferenceRequest,
    subsetHint: string[] | undefined,
    clientModel = request.targetModel,
  ): RoutingDecision | InferenceError {
    const { datastore, metrics, log } = this.parts;
    let candidates = datastore.candidates();
    if (subsetHint) {
      // The real EPP matches the hint's entries by IP; their ports are ignored.
      const addresses = new Set(subsetHint.map(hostOf));
      candidates = candidates.filter((e) => addresses.has(e.address));
    }
    if (candidates.length === 0) return noCandidates(this.parts.version);

    const { scheduler, config } = this.parts.scheduler();
    const started = this.parts.clock.monotonicNow();
    const traces = this.parts.traces;
    const part = traces?.ring.begin(request.requestId, this.parts.clock.now());
    const traceStart = part && hopStart(this.parts.clock);
    const runs: ProfileRun[] | undefined = part && [];
    const { result, trace } = scheduler.schedule(request, candidates, log.verbosity >= 4, runs);
    metrics.schedulerDuration.observe((this.parts.clock.monotonicNow() - started) / 1000);
    const targets = result.profileResults[result.primaryProfileName]?.targetEndpoints ?? [];
    const target = targets[0];
    if (!target) {
      metrics.schedulerAttempts.inc({ status: "failure" });
      log.v(4)?.info("scheduling", "Scheduling failed", { "x-request-id": request.requestId, profiles: trace });
      if (part && traceStart && runs && traces) {
        const facts = {
          pool: traces.pool,
          model: request.targetModel,
          runs,
          result,
          error: "no endpoint left to pick",
        };
        recordScheduling(part, this.parts.clock, traceStart, facts);
      }
      return noTarget();
    }
    metrics.schedulerAttempts.inc({ status: "success" });
    const headers: Record<string, string> = {};
    for (const plugin of config.preRequest) plugin.preRequest(request, result, headers);
    const destination = targets.map(hostPort).join(",");
    if (part && traceStart && runs && traces) {
      const facts = { pool: traces.pool, model: request.targetModel, runs, result, destination, headers };
      recordScheduling(part, this.parts.clock, traceStart, facts);
    }
    // The real director's line (requestcontrol/director.go), at VERBOSE (3). Its fields are built
    // only when the line is written: the default verbosity (2) prints neither line.
    log.v(3)?.info("requestcontrol", "Request handled", {
      "x-request-id": request.requestId,
      objectiveKey: objectiveKey(request.headers, this.parts.version),
      incomingModelName: clientModel,
      targetModel: request.targetModel,
      endpoint: destination,
    });
    log.v(4)?.info("scheduling", "Scheduling decision", {
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

/** "10.0.0.1:8000" → "10.0.0.1", "[fd00::1]:8000" → "fd00::1"; an entry without a port is an address. */
function hostOf(entry: string): string {
  const trimmed = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(trimmed);
  if (bracketed) return bracketed[1] as string;
  const colons = trimmed.split(":").length - 1;
  return colons === 1 ? trimmed.slice(0, trimmed.indexOf(":")) : trimmed;
}

/** The InferenceObjective the request names (empty without one), as the director logs it. */
function objectiveKey(headers: Record<string, string>, version: EmulatedVersion): string {
  return version.objectiveHeaders.map((name) => headers[name]).find((value) => value) ?? "";
}
