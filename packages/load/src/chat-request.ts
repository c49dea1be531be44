import type { Clock } from "@testbed/common";
import { request } from "undici";
import { insecureAgent } from "./insecure-agent.js";
import { SseFrames } from "./sse-frames.js";
import type { RequestRecord } from "./types.js";

/** The EPP's response-phase mark: present only when the gateway's ext_proc reached the EPP. */
const EPP_HEADER = "x-went-into-resp-headers";

export interface ChatCall {
  index: number;
  url: string;
  body: Record<string, unknown>;
  stream: boolean;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Times TTFT, ITL and the whole request (its monotonic reading). */
  clock: Clock;
}

/** Send one chat completion and time it; never throws (a failed connection is status 0). */
export async function sendChat(call: ChatCall): Promise<RequestRecord> {
  const started = call.clock.monotonicNow();
  try {
    const response = await request(call.url, {
      method: "POST",
      dispatcher: insecureAgent(),
      headers: { "content-type": "application/json", ...call.headers },
      body: JSON.stringify(call.body),
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    const headers = flattenHeaders(response.headers);
    const base = {
      index: call.index,
      status: response.statusCode,
      headers,
      throughEpp: headers[EPP_HEADER] === "true",
    };
    const ok = response.statusCode >= 200 && response.statusCode < 300;
    if (ok && call.stream && (headers["content-type"] ?? "").includes("text/event-stream")) {
      const timing = await readStream(response.body, started, call.clock);
      return { ...base, ...timing, wallMs: call.clock.monotonicNow() - started };
    }
    const text = await response.body.text();
    const wallMs = call.clock.monotonicNow() - started;
    if (!ok) return { ...base, wallMs, error: errorMessage(text) };
    return { ...base, wallMs, ...usageOf(parseJson(text)) };
  } catch (error) {
    return {
      index: call.index,
      status: 0,
      error: describeFailure(error),
      wallMs: call.clock.monotonicNow() - started,
      throughEpp: false,
      headers: {},
    };
  }
}

interface StreamTiming {
  ttftMs?: number;
  itlMs: number[];
  promptTokens?: number;
  completionTokens?: number;
  /** Set when the stream stopped before `data: [DONE]` (a pod dying mid-answer): the status stays 200. */
  error?: string;
}

/** TTFT at the first frame carrying text; ITL as the gaps between frames carrying text; usage from the last frame. */
async function readStream(body: AsyncIterable<Buffer>, started: number, clock: Clock): Promise<StreamTiming> {
  const frames = new SseFrames();
  const decoder = new TextDecoder();
  const timing: StreamTiming = { itlMs: [] };
  let lastTokenAt: number | undefined;
  let done = false;
  let tokens = 0;
  const onPayload = (payload: string, at: number) => {
    if (payload === "[DONE]") {
      done = true;
      return;
    }
    const chunk = parseJson(payload);
    Object.assign(timing, usageOf(chunk));
    if (!carriesText(chunk)) return;
    if (lastTokenAt === undefined) timing.ttftMs = at - started;
    else timing.itlMs.push(at - lastTokenAt);
    lastTokenAt = at;
    tokens++;
  };
  let failure: string | undefined;
  try {
    for await (const chunk of body) {
      const at = clock.monotonicNow();
      for (const payload of frames.push(decoder.decode(chunk, { stream: true }))) onPayload(payload, at);
    }
    for (const payload of frames.flush()) onPayload(payload, clock.monotonicNow());
  } catch (error) {
    failure = describeFailure(error);
  }
  if (!done) timing.error = `stream cut after ${tokens} token frames${failure ? `: ${failure}` : ""}`;
  return timing;
}

function carriesText(chunk: unknown): boolean {
  const choices = (chunk as { choices?: Array<{ delta?: { content?: unknown }; text?: unknown }> })?.choices;
  if (!Array.isArray(choices)) return false;
  return choices.some((choice) => {
    const text = choice.delta?.content ?? choice.text;
    return typeof text === "string" && text !== "";
  });
}

function usageOf(body: unknown): { promptTokens?: number; completionTokens?: number } {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } })?.usage;
  if (!usage || typeof usage !== "object") return {};
  const out: { promptTokens?: number; completionTokens?: number } = {};
  if (typeof usage.prompt_tokens === "number") out.promptTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === "number") out.completionTokens = usage.completion_tokens;
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** OpenAI's `error.message`, FastAPI's `detail`, else the start of the body. */
function errorMessage(text: string): string {
  const body = parseJson(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
  if (body && typeof body === "object") {
    if (typeof body.error === "object" && typeof body.error?.message === "string") return body.error.message;
    if (typeof body.error === "string") return body.error;
    if (typeof body.message === "string") return body.message;
    if (body.detail !== undefined) return JSON.stringify(body.detail).slice(0, 300);
  }
  return text.trim().slice(0, 300);
}

function describeFailure(error: unknown): string {
  const err = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err.cause?.code ?? err.code;
  const message = err.cause?.message ?? err.message ?? String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Node's response headers as one string per name (repeated headers joined with ", "). */
export function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}
