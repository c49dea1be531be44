// The load generator's loops: closed (N workers), open (a rate), or one at a time behind a barrier.
import { type Clock, systemClock } from "@testbed/common";
import { sendChat } from "./chat-request.js";
import { buildMessages } from "./prompts.js";
import { summarize } from "./summary.js";
import type { LoadOptions, LoadSummary, RequestRecord, Workload } from "./types.js";

export const DEFAULT_MODEL = "Qwen/Qwen3-0.6B";
const DEFAULT_TIMEOUT_MS = 60_000;

/** Options that cannot describe a run (the CLI turns this into exit code 2). */
export class LoadOptionsError extends Error {
  override name = "LoadOptionsError";
}

/**
 * Send `requests` chat completions: closed loop (`concurrency` workers, each sending its next
 * request when the previous one answers) or open loop (`rate` requests started per second, evenly
 * spaced, whatever the answers). Records come back in index order.
 */
export async function runLoad(options: LoadOptions): Promise<{ records: RequestRecord[]; summary: LoadSummary }> {
  validateLoadOptions(options);
  const seed = options.seed ?? 0;
  const headers: Record<string, string> = { ...options.headers };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const stream = options.stream ?? false;
  const clock = options.clock ?? systemClock;
  const send = (index: number) =>
    sendChat({
      index,
      url: options.url,
      body: requestBody(options.model ?? DEFAULT_MODEL, options.workload, seed, index, stream),
      stream,
      headers,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      clock,
    });

  let done = 0;
  const finished = (record: RequestRecord) => {
    done++;
    options.onProgress?.(done, options.requests);
    return record;
  };
  const sendOne = (index: number) => send(index).then(finished);
  const started = clock.now();
  const records = options.barrier
    ? await barrierLoop(options.requests, options.rate, options.barrier, sendOne, clock)
    : options.rate !== undefined
      ? await openLoop(options.requests, options.rate, sendOne, clock)
      : await closedLoop(options.requests, options.concurrency ?? 1, sendOne);
  const durationMs = clock.now() - started;
  records.sort((a, b) => a.index - b.index);
  return { records, summary: summarize(records, durationMs) };
}

/** The OpenAI body: `ignore_eos` (vLLM's extension) makes every answer exactly `max_tokens` long. */
export function requestBody(
  model: string,
  workload: Workload,
  seed: number,
  index: number,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: buildMessages(workload, seed, index),
    max_tokens: workload.outputTokens,
    ignore_eos: true,
  };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

async function closedLoop(
  total: number,
  concurrency: number,
  send: (index: number) => Promise<RequestRecord>,
): Promise<RequestRecord[]> {
  const records: RequestRecord[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      records.push(await send(index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return records;
}

async function openLoop(
  total: number,
  rate: number,
  send: (index: number) => Promise<RequestRecord>,
  clock: Clock,
): Promise<RequestRecord[]> {
  const started = clock.now();
  const inFlight: Promise<RequestRecord>[] = [];
  for (let index = 0; index < total; index++) {
    await untilSlot(clock, started, index, rate);
    inFlight.push(send(index));
  }
  return Promise.all(inFlight);
}

/** One request at a time: the previous answer, then the request's slot (with a rate), then the barrier. */
async function barrierLoop(
  total: number,
  rate: number | undefined,
  barrier: (index: number) => Promise<void>,
  send: (index: number) => Promise<RequestRecord>,
  clock: Clock,
): Promise<RequestRecord[]> {
  const started = clock.now();
  const records: RequestRecord[] = [];
  for (let index = 0; index < total; index++) {
    if (rate !== undefined) await untilSlot(clock, started, index, rate);
    await barrier(index);
    records.push(await send(index));
  }
  return records;
}

/** Wait for a request's slot on the schedule, not a fixed gap: late timers do not drift the rate. */
async function untilSlot(clock: Clock, started: number, index: number, rate: number): Promise<void> {
  const wait = started + (index * 1000) / rate - clock.now();
  if (wait > 0) await clock.sleep(wait);
}

export function validateLoadOptions(options: LoadOptions): void {
  const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  const nonNegativeInteger = (value: number) => Number.isInteger(value) && value >= 0;
  if (!/^https?:\/\//.test(options.url))
    throw new LoadOptionsError(`url must be http:// or https://, got '${options.url}'`);
  if (!positiveInteger(options.requests))
    throw new LoadOptionsError(`requests must be a positive integer, got ${options.requests}`);
  if (options.rate !== undefined && options.concurrency !== undefined) {
    throw new LoadOptionsError("rate and concurrency are exclusive: choose an open or a closed loop");
  }
  if (options.rate !== undefined && !(Number.isFinite(options.rate) && options.rate > 0)) {
    throw new LoadOptionsError(`rate must be a positive number of requests per second, got ${options.rate}`);
  }
  if (options.concurrency !== undefined && !positiveInteger(options.concurrency)) {
    throw new LoadOptionsError(`concurrency must be a positive integer, got ${options.concurrency}`);
  }
  if (options.barrier && (options.concurrency ?? 1) > 1) {
    throw new LoadOptionsError("a barrier sends one request at a time: concurrency must be 1");
  }
  const workload = options.workload;
  // Each request needs at least one token of its own, or every prompt of a run would be the same.
  const sizes: Array<[string, number, (value: number) => boolean, string]> =
    workload.type === "shared-prefix"
      ? [
          ["prefixTokens", workload.prefixTokens, nonNegativeInteger, "a non-negative"],
          ["suffixTokens", workload.suffixTokens, positiveInteger, "a positive"],
        ]
      : workload.type === "random"
        ? [["promptTokens", workload.promptTokens, positiveInteger, "a positive"]]
        : [];
  if (sizes.length === 0) throw new LoadOptionsError(`unknown workload type '${(workload as { type: string }).type}'`);
  for (const [name, value, valid, kind] of sizes) {
    if (!valid(value)) throw new LoadOptionsError(`${name} must be ${kind} integer, got ${value}`);
  }
  if (!positiveInteger(workload.outputTokens)) {
    throw new LoadOptionsError(`outputTokens must be a positive integer, got ${workload.outputTokens}`);
  }
}
