// The official OpenAI client — written by nobody here — against a simulated pod on a real socket.
import { silentSink } from "@testbed/common";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let pod: VllmSimHandle;
let client: OpenAI;

beforeAll(async () => {
  pod = await startVllmSim({ port: 0, timeScale: 0, log: silentSink });
  client = new OpenAI({ baseURL: `${pod.url}/v1`, apiKey: "unused", maxRetries: 0 });
});
afterAll(() => pod.close());

describe("official openai client against vllm-sim", () => {
  it("lists the model", async () => {
    const models = await client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(["Qwen/Qwen3-0.6B"]);
  });

  it("gets a chat completion", async () => {
    const completion = await client.chat.completions.create({
      model: "Qwen/Qwen3-0.6B",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 5,
    });
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 });
  });

  it("streams a chat completion token by token, with usage at the end", async () => {
    const stream = await client.chat.completions.create({
      model: "Qwen/Qwen3-0.6B",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 12,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    } as OpenAI.ChatCompletionCreateParamsStreaming);
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas.length).toBeGreaterThanOrEqual(10);
    expect(finish).toBe("length");
    expect(usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 12 });
  });

  it("gets a text completion", async () => {
    const completion = await client.completions.create({
      model: "Qwen/Qwen3-0.6B",
      prompt: "Hello world",
      max_tokens: 7,
    });
    expect(completion.object).toBe("text_completion");
    expect(completion.usage?.completion_tokens).toBe(7);
  });

  it("surfaces vLLM's 404 for a wrong model name as the client's NotFoundError", async () => {
    await expect(
      client.chat.completions.create({ model: "qwen3-0-6b", messages: [{ role: "user", content: "Hi" }] }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
