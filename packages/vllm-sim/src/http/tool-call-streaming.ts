// Tool calls streamed piece by piece, as OpenAIServingChat.chat_completion_stream_generator does:
// tool_choice "required" through extract_tool_call_required_streaming (partial JSON of the list of
// {name, parameters}), "auto" through Hermes2ProToolParser.extract_tool_calls_streaming (partial JSON
// of the <tool_call> block). Each returns the delta to send for one token, or null to send nothing.
import { ALL, parse as partialJson, STR } from "partial-json";
import { pythonJsonDumps } from "../tokens/python-json.js";
import type { ToolCallIds } from "./tool-call-bodies.js";

/** A DeltaToolCall as pydantic dumps it with exclude_unset (only the fields vLLM set). */
export interface DeltaToolCall {
  id?: string;
  type?: "function";
  index: number;
  function: { name?: string | null; arguments?: string };
}

/** A DeltaMessage with exclude_unset: content and/or tool_calls. */
export interface DeltaMessage {
  content?: string;
  tool_calls?: DeltaToolCall[];
}

/** partial_json_parser.loads; undefined where it raises MalformedJSON. */
function loadsPartial(text: string, allow: number): unknown {
  try {
    return partialJson(text, allow);
  } catch {
    return undefined;
  }
}

/** OpenAIServingChat._bracket_level: "{" minus "}" in the text. */
function bracketLevel(text: string): number {
  let level = 0;
  for (const char of text) {
    if (char === "{") level += 1;
    else if (char === "}") level -= 1;
  }
  return level;
}

/** OpenAIServingChat._filter_delta_text: drops the outer object's braces and what follows its end. */
function filterDeltaText(delta: string, previous: string): { text: string; passedZero: boolean } {
  let level = bracketLevel(previous);
  let text = "";
  let passedZero = false;
  for (const char of delta) {
    if (char === "{") {
      level += 1;
      passedZero = level === 0;
    } else if (char === "}") {
      level -= 1;
      passedZero = level === 0;
    }
    if (level !== 0) text += char;
    else if (char === ",") break;
  }
  return { text, passedZero };
}

/** tool_choice "required": the text is a JSON list of {"name", "parameters"} (structured outputs). */
export class RequiredToolStream {
  private nameReturned = false;
  /** tools_streamed: a delta with a call id went out, so the choice finishes "tool_calls". */
  streamed = false;

  constructor(private readonly newId: ToolCallIds) {}

  /** extract_tool_call_required_streaming for one token's text. */
  next(previous: string, current: string, delta: string): DeltaMessage | null {
    if (current === "") return null;
    const list = loadsPartial(current, ALL);
    if (!Array.isArray(list) || list.length === 0) {
      this.nameReturned = false;
      return null;
    }
    const finishesPrevious = filterDeltaText(delta, previous).passedZero;
    let call = list[list.length - 1] as Record<string, unknown>;
    if (!finishesPrevious && !(isObject(call) && "name" in call && "parameters" in call)) {
      this.nameReturned = false;
      return null;
    }
    const index = list.length - 1;
    if (!this.nameReturned) {
      const match = /"parameters":\s*([\s\S]*)$/.exec(lastParameters(current));
      const args = filterDeltaText(match?.[1] ?? "", previous).text;
      if (finishesPrevious && !(isObject(call) && "parameters" in call)) call = list[list.length - 2];
      this.nameReturned = true;
      this.streamed = true;
      const fn = { name: String(call?.name), arguments: args };
      return { tool_calls: [{ id: this.newId(), type: "function", index, function: fn }] };
    }
    const text = filterDeltaText(delta, previous).text;
    if (text === "") return null;
    return { tool_calls: [{ index, function: { name: null, arguments: text } }] };
  }
}

/** re.search(r'.*"parameters":\s*(.*)', text, re.DOTALL): the greedy `.*` lands on the last occurrence. */
function lastParameters(text: string): string {
  const at = text.lastIndexOf('"parameters":');
  return at === -1 ? "" : text.slice(at);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const START = "<tool_call>";
const END = "</tool_call>";

/** Python truthiness of a parsed JSON value ({} and "" are falsy). */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * "auto" with --tool-call-parser hermes. Qwen3's <tool_call> and </tool_call> are single tokens, so
 * the parser's delimiter buffer passes them through and counting them in the text counts the tokens.
 */
export class HermesToolStream {
  private currentToolId = -1;
  private nameSent = false;
  /** prev_tool_call_arr: the last partial parse of each call. */
  readonly previousCalls: Array<Record<string, unknown>> = [];
  /** streamed_args_for_tool: the argument text sent so far for each call. */
  readonly streamedArgs: string[] = [];
  /** tools_streamed: a delta with tool calls went out (a call's name counts before its arguments are parsed). */
  streamed = false;

  constructor(private readonly newId: ToolCallIds) {}

  /** One token's delta, noting (as the stream generator does) whether it carried tool calls. */
  next(previous: string, current: string, delta: string): DeltaMessage | null {
    const message = this.parse(previous, current, delta);
    if (message?.tool_calls?.length) this.streamed = true;
    return message;
  }

  /** extract_tool_calls_streaming for one token (one token per delta: delta_token_ids has length 1). */
  private parse(previous: string, current: string, delta: string): DeltaMessage | null {
    if (!current.includes(START)) return { content: delta };
    const prevStarts = count(previous, START);
    const prevEnds = count(previous, END);
    const curStarts = count(current, START);
    const curEnds = count(current, END);
    if (curStarts === curEnds && prevEnds === curEnds && !delta.includes(END)) return { content: delta };
    let portion: string | undefined;
    let textPortion: string | undefined;
    let callEnd = false;
    if (delta.includes(END)) {
      callEnd = true;
      // vLLM appends the delta to the current text, which already ends with it.
      portion = (current + delta).split(START).pop()?.split(END)[0]?.trimEnd();
      delta = delta.split(END)[0]?.trimEnd() ?? "";
      textPortion = delta.split(END).pop()?.trimStart();
    }
    const allow = this.nameSent ? ALL : ALL & ~STR;
    if (curStarts > curEnds && curStarts > prevStarts) {
      portion = undefined;
      textPortion = undefined;
      this.currentToolId += 1;
      this.nameSent = false;
      this.streamedArgs.push("");
    } else if (curStarts > curEnds && curStarts === prevStarts) {
      portion = current.split(START).pop();
      textPortion = undefined;
    } else if (curStarts === curEnds && curEnds >= prevEnds) {
      const closed = this.closing(delta);
      if (closed !== undefined) return closed;
    } else {
      return { content: delta.replaceAll(START, "").replaceAll(END, ""), tool_calls: [] };
    }
    const call = portion ? loadsPartial(portion, allow) : null;
    if (portion && call === undefined) return null;
    if (!this.nameSent) return this.nameDelta(call);
    if (!portion || !isObject(call)) return textPortion !== undefined ? { content: delta } : null;
    return this.argumentsDelta(call, delta, callEnd);
  }

  /**
   * The case "the current tool call is being closed": the diff not streamed yet when the call has
   * arguments; undefined when it has none, so the parse below runs (and sends "{}" for a call
   * without arguments). A call the parser never diffed raises IndexError in vLLM: nothing is sent.
   */
  private closing(delta: string): DeltaMessage | null | undefined {
    if (this.previousCalls.length === 0) return null;
    const previous = this.previousCalls[this.currentToolId];
    if (previous === undefined) return null;
    if (!truthy(previous.arguments)) return undefined;
    if (!delta.includes('"}')) return null;
    const diff = `${delta.slice(0, delta.lastIndexOf('"}'))}"}`;
    this.streamedArgs[this.currentToolId] += diff;
    return { tool_calls: [{ index: this.currentToolId, function: { arguments: diff } }] };
  }

  private nameDelta(call: unknown): DeltaMessage | null {
    if (!isObject(call) || !truthy(call.name)) return null;
    this.nameSent = true;
    const fn: DeltaToolCall["function"] = { name: String(call.name) };
    if (call.arguments !== undefined && call.arguments !== null) fn.arguments = pythonJsonDumps(call.arguments);
    return { tool_calls: [{ id: this.newId(), type: "function", index: this.currentToolId, function: fn }] };
  }

  private argumentsDelta(call: Record<string, unknown>, delta: string, callEnd: boolean): DeltaMessage | null {
    const id = this.currentToolId;
    if (this.previousCalls.length <= id) this.previousCalls.push({});
    const before = this.previousCalls[id]?.arguments;
    const now = call.arguments;
    let args: string | undefined;
    if (callEnd && !this.streamedArgs[id] && (now === undefined || (isObject(now) && !truthy(now)))) {
      args = "{}";
      this.streamedArgs[id] = "{}";
    } else if (truthy(now) && !truthy(before)) {
      const json = pythonJsonDumps(now).slice(0, -2);
      const at = json.lastIndexOf(delta);
      if (!json.includes(delta)) return null;
      args = json.slice(0, at + delta.length);
      this.streamedArgs[id] += args;
    } else if (truthy(now) && truthy(before)) {
      const trimmed = delta.trimEnd();
      args = trimmed.length >= 1 && trimmed.endsWith("}") ? trimmed.slice(0, -1) : delta;
      this.streamedArgs[id] += args;
    }
    this.previousCalls[id] = call;
    return args === undefined ? null : { tool_calls: [{ index: id, function: { arguments: args } }] };
  }

  /**
   * The finishing frame's check for arguments the parser held back (tool parsers only): what
   * json.dumps of the last parsed arguments has beyond what was streamed.
   */
  remaining(finalDelta: DeltaMessage): DeltaMessage {
    const first = finalDelta.tool_calls?.[0];
    if (first?.function.arguments === undefined) return finalDelta;
    const index = Math.max(this.previousCalls.length - 1, 0);
    const expected = pythonJsonDumps(this.previousCalls[index]?.arguments ?? {});
    const streamed = (this.streamedArgs[index] ?? "").slice(0, -first.function.arguments.length || undefined);
    return { tool_calls: [{ index, function: { arguments: expected.replace(streamed, "") } }] };
  }

  /** auto_tools_called: the parser saw at least one call. */
  get called(): boolean {
    return this.previousCalls.length > 0;
  }
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
