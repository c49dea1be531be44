// `request:` one curl-like request (or `repeat` of them) through a gateway, certificates unchecked like `curl -k`.
import { flattenHeaders } from "@testbed/load";
import { request } from "undici";
import { checkResponses, type ResponseRecord, tally } from "../checks/request-checks.js";
import { joinCommandLine } from "../command-line.js";
import type { Action, Expectations } from "../model.js";
import { type RunContext, StepError, targetUrl } from "../run-context.js";
import type { StepOutcome } from "./step-outcome.js";

type RequestAction = Extract<Action, { kind: "request" }>;

export async function runRequest(
  context: RunContext,
  action: RequestAction,
  expect: Expectations,
): Promise<StepOutcome> {
  const url = targetUrl(context, action.target, action.path);
  const headers = requestHeaders(action);
  const responses: ResponseRecord[] = [];
  for (let i = 0; i < action.repeat; i++) responses.push(await send(context, url, action, headers));
  const first = responses[0]!;
  const summary =
    responses.length === 1 ? `HTTP ${first.status}` : `${responses.length} responses: ${tally(statuses(responses))}`;
  return {
    action: curlLine(url, action, headers),
    output: `${summary}\n${first.body.trimEnd()}${first.cut ? `\n(the connection closed before the end: ${first.cut})` : ""}`,
    expectations: checkResponses(expect, responses),
    measurements: {
      statuses: responses.map((response) => response.status),
      throughEpp: responses.filter((response) => response.headers["x-went-into-resp-headers"] === "true").length,
      cutShort: responses.filter((response) => response.cut !== undefined).length,
    },
  };
}

function requestHeaders(action: RequestAction): Record<string, string> {
  const headers: Record<string, string> = {};
  if (action.body !== undefined) headers["content-type"] = "application/json";
  if (action.target.apiKey) headers.authorization = `Bearer ${action.target.apiKey}`;
  return { ...headers, ...action.headers };
}

async function send(
  context: RunContext,
  url: string,
  action: RequestAction,
  headers: Record<string, string>,
): Promise<ResponseRecord> {
  try {
    const response = await request(url, {
      method: action.method as "GET",
      headers,
      body: action.body,
      dispatcher: context.insecure,
      // A gateway that hangs fails the step after 30 s instead of stalling the run.
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    return {
      status: response.statusCode,
      headers: flattenHeaders(response.headers),
      ...(await readBody(response.body)),
    };
  } catch (error) {
    throw new StepError(`${action.method} ${url}: ${(error as Error).message}`);
  }
}

/** A stream cut mid-way (a pod dying) is a finding, not a failure to send: keep what arrived. */
async function readBody(body: AsyncIterable<Buffer>): Promise<{ body: string; cut?: string }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
    return { body: Buffer.concat(chunks).toString("utf8") };
  } catch (error) {
    return { body: Buffer.concat(chunks).toString("utf8"), cut: (error as Error).message };
  }
}

function statuses(responses: ResponseRecord[]): string[] {
  return responses.map((response) => String(response.status));
}

/** The equivalent command a participant would type. */
function curlLine(url: string, action: RequestAction, headers: Record<string, string>): string {
  const argv = ["curl", "-sk"];
  if (action.method !== (action.body === undefined ? "GET" : "POST")) argv.push("-X", action.method);
  argv.push(url);
  for (const [name, value] of Object.entries(headers)) argv.push("-H", `${name}: ${value}`);
  if (action.body !== undefined) argv.push("-d", action.body);
  const repeat = action.repeat > 1 ? ` (×${action.repeat})` : "";
  return `${joinCommandLine(argv)}${repeat}`;
}
