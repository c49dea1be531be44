// The assistant message of a chat choice when tools are in play, as OpenAIServingChat builds it
// (chat_completion_full_generator): a named tool's arguments are the whole text; "required" parses a
// JSON list of {name, parameters}; "auto" runs the hermes parser over <tool_call> blocks.
import { pythonJsonDumps } from "../tokens/python-json.js";
import type { ToolOutput } from "./generation-choice.js";

export interface ToolCallBody {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** An assistant message's content and tool calls; `called` makes finish_reason "tool_calls" (auto only). */
export interface ToolMessage {
  content: string | null;
  toolCalls: ToolCallBody[];
  called: boolean;
}

/** make_tool_call_id(): "chatcmpl-tool-" + random_uuid(). */
export type ToolCallIds = () => string;

export function toolMessage(tools: ToolOutput, text: string, newId: ToolCallIds): ToolMessage {
  if (tools.kind === "named") {
    return { content: "", toolCalls: [call(newId, tools.name, text)], called: false };
  }
  if (tools.kind === "required") {
    const calls = requiredCalls(text);
    if (calls) {
      return {
        content: "",
        toolCalls: calls.map((entry) => call(newId, entry.name, pythonJsonDumps(entry.parameters ?? null))),
        called: false,
      };
    }
  }
  if (tools.kind === "hermes") return hermesMessage(text, newId);
  return { content: text, toolCalls: [], called: false };
}

function call(newId: ToolCallIds, name: string, args: string): ToolCallBody {
  return { id: newId(), type: "function", function: { name, arguments: args } };
}

/** TypeAdapter(list[FunctionDefinition]).validate_json(content); undefined when the text is cut short. */
function requiredCalls(text: string): Array<{ name: string; parameters?: unknown }> | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return undefined;
    if (!parsed.every((entry) => typeof entry?.name === "string")) return undefined;
    return parsed as Array<{ name: string; parameters?: unknown }>;
  } catch {
    return undefined;
  }
}

const TOOL_CALL_BLOCK = /<tool_call>(.*?)<\/tool_call>|<tool_call>(.*)/gs;

/**
 * Hermes2ProToolParser.extract_tool_calls: each block is json.loads'ed; the content is what precedes
 * the first <tool_call> (None when empty). Text without a block is plain content.
 */
function hermesMessage(text: string, newId: ToolCallIds): ToolMessage {
  const start = text.indexOf("<tool_call>");
  if (start === -1) return { content: text, toolCalls: [], called: false };
  try {
    const toolCalls = [...text.matchAll(TOOL_CALL_BLOCK)].map((match) => {
      const parsed = JSON.parse((match[1] ?? match[2] ?? "").trim()) as { name: string; arguments?: unknown };
      return call(newId, parsed.name, pythonJsonDumps(parsed.arguments ?? null));
    });
    const content = text.slice(0, start);
    return { content: content === "" ? null : content, toolCalls, called: true };
  } catch {
    // The parser logs "Error in extracting tool call from response." and returns the text as content.
    return { content: text, toolCalls: [], called: false };
  }
}

/** The hermes text a Qwen3 model writes to call `name` with `args`. */
export function hermesToolCallText(name: string, args: unknown): string {
  return `<tool_call>\n${pythonJsonDumps({ name, arguments: args })}\n</tool_call>`;
}
