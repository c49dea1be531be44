// Deterministic fault injection, steered through the admin API or flags. Two ways to fail requests:
// a rate (each request draws from a seeded generator, so a run with the same seed fails the same
// requests) and "fail the next N" (exactly the next N requests, in arrival order).
import { SeededRandom } from "@testbed/common";

/** The errors a fault can answer with (vLLM's error bodies), or a broken connection. */
export const FAULT_TYPES = [
  "rate_limit",
  "invalid_api_key",
  "context_length",
  "server_error",
  "invalid_request",
  "model_not_found",
  /** The pod dies mid-stream: the connection is cut after `abortAfterTokens` tokens. */
  "stream_abort",
  /** The connection is reset before any response is written. */
  "connection_reset",
] as const;

export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultConfig {
  /** Fraction of requests to fail, 0..1. */
  rate: number;
  /** Types drawn from (uniformly) when the rate fires; default server_error. */
  types: FaultType[];
  /** Fail exactly the next `count` requests with `type`. */
  next?: { count: number; type: FaultType } | undefined;
  /** For stream_abort: tokens delivered before the connection is cut. */
  abortAfterTokens: number;
}

export interface InjectedError {
  status: number;
  message: string;
  param: string | null;
}

export class FaultInjector {
  private config: FaultConfig = { rate: 0, types: [], abortAfterTokens: 3 };
  private random: SeededRandom;
  /** Requests failed so far, by type. */
  readonly injected = new Map<FaultType, number>();

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  get current(): FaultConfig {
    return { ...this.config, types: [...this.config.types] };
  }

  configure(update: Partial<FaultConfig>): void {
    this.config = { ...this.config, ...update };
    this.random = new SeededRandom(this.seed);
  }

  clear(): void {
    this.configure({ rate: 0, types: [], next: undefined, abortAfterTokens: 3 });
  }

  /** Decide the fate of the next request. */
  draw(): FaultType | undefined {
    const { next } = this.config;
    if (next && next.count > 0) {
      this.config.next = next.count > 1 ? { count: next.count - 1, type: next.type } : undefined;
      return this.count(next.type);
    }
    if (this.config.rate <= 0 || this.random.next() >= this.config.rate) return undefined;
    const types = this.config.types.length > 0 ? this.config.types : (["server_error"] as FaultType[]);
    return this.count(this.random.pick(types));
  }

  get abortAfterTokens(): number {
    return this.config.abortAfterTokens;
  }

  private count(type: FaultType): FaultType {
    this.injected.set(type, (this.injected.get(type) ?? 0) + 1);
    return type;
  }
}

/** The error bodies llm-d-inference-sim returns for each injected type. */
export function injectedError(type: FaultType, model: string): InjectedError | undefined {
  switch (type) {
    case "rate_limit":
      return {
        status: 429,
        message: `Rate limit reached for ${model} in organization org-xxx on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
        param: null,
      };
    case "invalid_api_key":
      return { status: 401, message: "Incorrect API key provided.", param: null };
    case "context_length":
      return {
        status: 400,
        message: "This model's maximum context length is 4096 tokens. However, your messages resulted in 4500 tokens.",
        param: "messages",
      };
    case "server_error":
      return { status: 503, message: "The server is overloaded or not ready yet.", param: null };
    case "invalid_request":
      return { status: 400, message: "Invalid request: missing required parameter 'model'.", param: "model" };
    case "model_not_found":
      return { status: 404, message: `The model '${model}-nonexistent' does not exist`, param: "model" };
    default:
      return undefined;
  }
}

export function isFaultType(value: unknown): value is FaultType {
  return typeof value === "string" && (FAULT_TYPES as readonly string[]).includes(value);
}
