// Limitador as a gRPC service: envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit over
// the limits of a Limitador limits file. With `rateLimitHeaders: "DRAFT_VERSION_03"` (Limitador's
// --rate-limit-headers) the X-RateLimit-* headers are returned for the gateway to add.
import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { type Clock, type LogSink, stderrSink, systemClock } from "@testbed/common";
import { rateLimitService } from "@testbed/protocol";
import { type LimitDefinition, parseLimitsFile } from "./limit-definitions.js";
import { type Descriptor, LimitadorEngine } from "./limitador-engine.js";

export interface LimitadorOptions {
  host: string;
  port: number;
  limits: LimitDefinition[];
  limitsFile: string | undefined;
  rateLimitHeaders: "NONE" | "DRAFT_VERSION_03";
  clock: Clock;
  log: LogSink;
}

export interface LimitadorHandle {
  address: string;
  engine: LimitadorEngine;
  /** Replace the limits (what the Kuadrant operator does when policies change). */
  setLimits(limits: LimitDefinition[]): void;
  close(): Promise<void>;
}

interface ShouldRateLimitRequest {
  domain?: string;
  descriptors?: Array<Descriptor & { hits_addend?: { value?: string | number } | null }>;
  hits_addend?: number;
}

export async function startLimitador(options: Partial<LimitadorOptions> = {}): Promise<LimitadorHandle> {
  const clock = options.clock ?? systemClock;
  const log = options.log ?? stderrSink;
  const engine = new LimitadorEngine(clock);
  let limits = options.limits ?? [];
  if (options.limitsFile) limits = parseLimitsFile(await readFile(options.limitsFile, "utf8"), options.limitsFile);
  engine.setLimits(limits);
  const headersEnabled = options.rateLimitHeaders === "DRAFT_VERSION_03";

  const server = new grpc.Server();
  server.addService(rateLimitService().definition, {
    ShouldRateLimit(
      call: grpc.ServerUnaryCall<ShouldRateLimitRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      try {
        const { domain = "", descriptors = [], hits_addend = 0 } = call.request;
        // Descriptors carrying their own hits_addend report usage that already happened (tokens
        // after a response): it is counted even past the limit, so the next request is refused.
        const report = descriptors.some((d) => d.hits_addend !== undefined && d.hits_addend !== null);
        const reported = Number(descriptors.find((d) => d.hits_addend)?.hits_addend?.value ?? hits_addend);
        const decision = report
          ? engine.report(domain, descriptors, reported)
          : engine.shouldRateLimit(domain, descriptors, Number(hits_addend));
        callback(null, {
          overall_code: decision.overLimit ? "OVER_LIMIT" : "OK",
          ...(headersEnabled
            ? { response_headers_to_add: Object.entries(decision.headers).map(([key, value]) => ({ key, value })) }
            : {}),
        });
      } catch (error) {
        callback({ code: grpc.status.INTERNAL, details: (error as Error).message });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${options.host ?? "127.0.0.1"}:${options.port ?? 8081}`,
      grpc.ServerCredentials.createInsecure(),
      (e, p) => (e ? reject(e) : resolve(p)),
    ),
  );
  log(
    `limitador: serving envoy.service.ratelimit.v3.RateLimitService on ${options.host ?? "127.0.0.1"}:${port} with ${limits.length} limits`,
  );
  return {
    address: `${options.host ?? "127.0.0.1"}:${port}`,
    engine,
    setLimits: (next) => engine.setLimits(next),
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
      }),
  };
}
