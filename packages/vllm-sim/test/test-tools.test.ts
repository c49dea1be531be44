// Tools as vLLM 0.11.2 serves them for Qwen3: `tools` rendered into the prompt by Qwen3's chat
// template (tokenizer_config.json), tool_choice checked as ChatCompletionRequest.check_tool_usage and
// OpenAIServingChat do, and tool calls in the answer: a named tool or "required" through structured
// outputs, "auto" through the hermes parser reading the <tool_call> block Qwen3 writes.
import { silentSink } from "@testbed/common";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startVllmSim, type VllmSimHandle } from "../src/vllm-sim.js";
import { postJson, testApp } from "./server-harness.js";

const model = "Qwen/Qwen3-0.6B";
const weather = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: "string", enum: ["celsius", "fahrenheit"] } },
      required: ["city", "unit"],
    },
  },
};
const ask = [{ role: "user" as const, content: "Weather in Paris?" }];

let pod: VllmSimHandle;
let client: OpenAI;

beforeAll(async () => {
  pod = await startVllmSim({
    port: 0,
    timeScale: 0,
    log: silentSink,
    enableAutoToolChoice: true,
    toolCallParser: "hermes",
  });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

/** Qwen3's template output for `ask` with the weather tool (tool | tojson of tool.model_dump()). */
const renderedWithTool =
  "<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
  "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
  '{"type": "function", "function": {"name": "get_weather", "description": "Current weather", "parameters": ' +
  '{"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, ' +
  '"required": ["city", "unit"]}}}\n</tools>\n\n' +
  "For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n" +
  '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
  "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n";

describe("tools in the prompt", () => {
  it("the tools block of Qwen3's template counts in prompt_tokens", async () => {
    const plain = await client.chat.completions.create({ model, messages: ask, max_tokens: 1 });
    const withTools = await client.chat.completions.create({
      model,
      messages: ask,
      tools: [weather],
      tool_choice: "none",
      max_tokens: 1,
    });
    expect(withTools.usage?.prompt_tokens).toBe(pod.server.tokenizer.encode(renderedWithTool).length);
    expect(withTools.usage?.prompt_tokens).toBeGreaterThan((plain.usage?.prompt_tokens ?? 0) + 100);
  });

  it("earlier tool calls and consecutive tool results render as the template writes them", async () => {
    const history: OpenAI.ChatCompletionMessageParam[] = [
      ...ask,
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "b", type: "function", function: { name: "get_weather", arguments: '{"city":"Lyon"}' } },
        ],
      },
      { role: "tool", tool_call_id: "a", content: "18C" },
      { role: "tool", tool_call_id: "b", content: "21C" },
    ];
    const answer = await client.chat.completions.create({ model, messages: history, max_tokens: 1 });
    const expected =
      "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n" +
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n' +
      '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Lyon"}}\n</tool_call><|im_end|>\n' +
      "<|im_start|>user\n<tool_response>\n18C\n</tool_response>\n<tool_response>\n21C\n</tool_response><|im_end|>\n" +
      "<|im_start|>assistant\n";
    expect(answer.usage?.prompt_tokens).toBe(pod.server.tokenizer.encode(expected).length);
  });
});

describe("tool calls in the answer, through the official openai client", () => {
  it("a named tool_choice answers a call of that tool whose arguments hold the schema's required keys", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: ask,
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
    const choice = answer.choices[0] as OpenAI.ChatCompletion.Choice;
    expect(choice.message.content).toBe("");
    expect(choice.finish_reason).toBe("stop");
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(call.function.name).toBe("get_weather");
    const args = JSON.parse(call.function.arguments);
    expect(Object.keys(args)).toEqual(["city", "unit"]);
    expect(args.unit).toBe("celsius");
  });

  it("a streamed named tool call arrives as tool_calls deltas and finishes as the engine did (stop)", async () => {
    const stream = await client.chat.completions.create({
      model,
      messages: ask,
      tools: [weather],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      stream: true,
    });
    let args = "";
    let name: string | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const delta of choice?.delta.tool_calls ?? []) {
        name ??= delta.function?.name;
        args += delta.function?.arguments ?? "";
      }
      finish = choice?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(Object.keys(JSON.parse(args))).toEqual(["city", "unit"]);
    expect(finish).toBe("stop");
  });

  it('tool_choice "required" answers a list of calls', async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: ask,
      tools: [weather],
      tool_choice: "required",
    });
    const calls = answer.choices[0]?.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((call) => call.function.name)).toEqual(["get_weather"]);
    expect(JSON.parse(calls[0]?.function.arguments ?? "")).toHaveProperty("city");
  });

  it('"auto" with the hermes parser: Qwen3 calls the tool, then answers the tool result in text', async () => {
    const first = await client.chat.completions.create({ model, messages: ask, tools: [weather] });
    const choice = first.choices[0] as OpenAI.ChatCompletion.Choice;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("get_weather");
    const second = await client.chat.completions.create({
      model,
      tools: [weather],
      messages: [...ask, choice.message, { role: "tool", tool_call_id: call.id, content: "18C" }],
    });
    expect(second.choices[0]?.finish_reason).toBe("stop");
    expect(second.choices[0]?.message.content).not.toBe("");
    expect(second.choices[0]?.message.tool_calls).toEqual([]);
  });
});

describe("streamed tool calls (OpenAIServingChat.chat_completion_stream_generator)", () => {
  /** Streams with the openai client's helper, recording each tool-call delta as it arrives. */
  async function streamed(toolChoice: OpenAI.ChatCompletionToolChoiceOption) {
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta.ToolCall[] = [];
    const fragments: string[] = [];
    const stream = client.chat.completions
      .stream({ model, messages: ask, tools: [weather], tool_choice: toolChoice, seed: 7 })
      .on("chunk", (chunk) => deltas.push(...(chunk.choices[0]?.delta.tool_calls ?? [])))
      .on("tool_calls.function.arguments.delta", (event) => fragments.push(event.arguments_delta));
    const final = await stream.finalChatCompletion();
    return { deltas, fragments, final };
  }

  it.each([
    ["required", "required" as const],
    ["auto (hermes)", "auto" as const],
  ])("%s: the first delta names the call, the arguments follow in fragments", async (_label, toolChoice) => {
    const whole = await client.chat.completions.create({
      model,
      messages: ask,
      tools: [weather],
      tool_choice: toolChoice,
      seed: 7,
    });
    const expected = whole.choices[0]?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    const { deltas, fragments, final } = await streamed(toolChoice);
    expect(deltas[0]).toMatchObject({ type: "function", index: 0, function: { name: "get_weather" } });
    expect(deltas[0]?.id).toMatch(/^chatcmpl-tool-[0-9a-f]{32}$/);
    expect(deltas.slice(1).every((delta) => delta.id === undefined)).toBe(true);
    expect(fragments.filter((fragment) => fragment !== "").length).toBeGreaterThan(3);
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual(JSON.parse(expected.function.arguments));
  });

  /** The chunks of a raw SSE answer (without [DONE]). */
  async function chunks(body: object): Promise<OpenAI.ChatCompletionChunk[]> {
    const response = await fetch(`${pod.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: ask, tools: [weather], seed: 7, stream: true, ...body }),
    });
    const frames = (await response.text()).split("\n\n").filter((frame) => frame.startsWith("data: {"));
    return frames.map((frame) => JSON.parse(frame.slice("data: ".length)) as OpenAI.ChatCompletionChunk);
  }

  it('auto (hermes): a call cut by max_tokens right after its name still finishes "tool_calls"', async () => {
    const usage = { stream_options: { include_usage: true, continuous_usage_stats: true } };
    const whole = await chunks(usage);
    const named = whole.find((chunk) => chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name === "get_weather");
    const tokensToName = named?.usage?.completion_tokens as number;
    expect(tokensToName).toBeGreaterThan(1);
    const cut = await chunks({ max_tokens: tokensToName });
    const last = cut.at(-1)?.choices[0];
    expect(last?.delta.tool_calls?.[0]?.function?.name).toBe("get_weather");
    // tools_streamed: the name went out, though the parser has not parsed the call's arguments yet.
    expect(last?.finish_reason).toBe("tool_calls");
  });

  it("auto (hermes): a token the parser holds back takes its logprobs with it; each chunk carries its own token's", async () => {
    const stream = await chunks({ logprobs: true, top_logprobs: 2, stream_options: { include_usage: true } });
    const withLogprobs = stream.filter((chunk) => chunk.choices[0]?.logprobs);
    expect(withLogprobs.length).toBeGreaterThan(3);
    for (const chunk of withLogprobs) expect(chunk.choices[0]?.logprobs?.content).toHaveLength(1);
    // The <tool_call> token and the name's pieces sent no chunk, and no logprobs.
    const completionTokens = stream.at(-1)?.usage?.completion_tokens as number;
    expect(withLogprobs.length).toBeLessThan(completionTokens);
  });

  it('"required": argument deltas carry "name": null as vLLM sets it', async () => {
    const response = await fetch(`${pod.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: ask, tools: [weather], tool_choice: "required", stream: true }),
    });
    const frames = (await response.text()).split("\n\n").filter((frame) => frame.includes('"tool_calls"'));
    expect(frames.length).toBeGreaterThan(3);
    expect(frames[1]).toContain('"function":{"name":null,"arguments":');
  });
});

describe("tool_choice validation (vLLM 0.11.2 texts)", () => {
  const { app } = testApp();
  afterAll(() => app.close());

  it.each([
    [{ tools: [weather] }, '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set'],
    [{ tool_choice: "required" }, "When using `tool_choice`, `tools` must be set."],
    [
      { tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } },
      "The tool specified in `tool_choice` does not match any of the specified `tools`",
    ],
  ])("%j is refused", async (extra, message) => {
    const response = await postJson(app, "/v1/chat/completions", { messages: ask, ...extra });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain(message);
  });
});
