// What a request asks the simulated model to write besides free text: a tool call (named tool_choice,
// "required", or "auto" with the hermes parser, which Qwen3 answers with a <tool_call> block while the
// last turn is the user's), or JSON under response_format — the cases vLLM constrains with structured
// outputs. Each sample of the request draws its own values.
import { mixSeeds, SeededRandom } from "@testbed/common";
import type { ModelServer } from "../model-server.js";
import { pythonJsonDumps } from "../tokens/python-json.js";
import { valueForSchema } from "../tokens/structured-output.js";
import type { ToolOutput } from "./generation-choice.js";
import type { GenerationRequest } from "./request-validation.js";
import { hermesToolCallText } from "./tool-call-bodies.js";

interface ToolSpec {
  function?: { name?: unknown; parameters?: unknown };
}

/** How the request's choices turn text into tool calls. */
export function toolOutputFor(server: ModelServer, request: GenerationRequest): ToolOutput {
  if (request.kind !== "chat" || !request.tools || request.tools.length === 0) return { kind: "none" };
  const choice = request.toolChoice;
  if (typeof choice === "object" && choice !== null) {
    return { kind: "named", name: String((choice as { function: { name: unknown } }).function.name) };
  }
  if (choice === "required") return { kind: "required" };
  if (choice === "auto" && server.options.toolCallParser === "hermes") return { kind: "hermes" };
  return { kind: "none" };
}

/** The JSON (or hermes) text a sample writes, or undefined for a free answer. */
export function forcedText(
  server: ModelServer,
  request: GenerationRequest,
  tools: ToolOutput,
  sampleIndex: number,
): string | undefined {
  const random = new SeededRandom(mixSeeds(server.options.seed, request.seed ?? 0, sampleIndex, 0x7001));
  const specs = (request.tools ?? []) as ToolSpec[];
  if (tools.kind === "named") {
    const tool = specs.find((spec) => spec?.function?.name === tools.name);
    return pythonJsonDumps(valueForSchema(tool?.function?.parameters ?? { type: "object" }, random));
  }
  const first = specs[0]?.function;
  if (tools.kind === "required" && first) {
    const parameters = valueForSchema(first.parameters ?? { type: "object" }, random);
    return pythonJsonDumps([{ name: first.name, parameters }]);
  }
  if (tools.kind === "hermes" && first && request.messages[request.messages.length - 1]?.role === "user") {
    return hermesToolCallText(String(first.name), valueForSchema(first.parameters ?? { type: "object" }, random));
  }
  return responseFormatText(request.responseFormat, random);
}

const JSON_OBJECT_SCHEMA = { type: "object", properties: { answer: { type: "string" } } };

/** response_format: json_object writes an object, json_schema one its schema accepts; text is free. */
function responseFormatText(format: Record<string, unknown> | undefined, random: SeededRandom): string | undefined {
  if (format?.type === "json_object") return pythonJsonDumps(valueForSchema(JSON_OBJECT_SCHEMA, random));
  if (format?.type !== "json_schema") return undefined;
  const jsonSchema = format.json_schema as { schema?: unknown } | undefined;
  return pythonJsonDumps(valueForSchema(jsonSchema?.schema ?? { type: "object" }, random));
}
