import Fastify from "fastify";

// The baseline: a bare fastify handler that returns a canned completion, the ceiling any
// OpenAI-compatible server on this machine could reach. Prints READY <url> once listening.
const app = Fastify({ logger: false });
const canned = {
  id: "chatcmpl-0123456789abcdef0123456789abcdef",
  object: "chat.completion",
  created: 0,
  model: "Qwen/Qwen3-0.6B",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: "Each block of the KV cache holds sixteen tokens of keys.",
        tool_calls: [],
      },
      logprobs: null,
      finish_reason: "length",
      stop_reason: null,
    },
  ],
  usage: { prompt_tokens: 128, total_tokens: 144, completion_tokens: 16, prompt_tokens_details: null },
  prompt_logprobs: null,
  kv_transfer_params: null,
};
const chunk = (text: string) =>
  `data: ${JSON.stringify({ id: canned.id, object: "chat.completion.chunk", created: 0, model: canned.model, choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }] })}\n\n`;

app.post("/v1/chat/completions", async (request, reply) => {
  const body = request.body as { stream?: boolean; max_tokens?: number };
  if (!body.stream) return canned;
  reply.hijack();
  reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8" });
  for (let i = 0; i < (body.max_tokens ?? 16); i++) reply.raw.write(chunk(" token"));
  reply.raw.end("data: [DONE]\n\n");
});

const url = await app.listen({ host: "127.0.0.1", port: 0 });
process.stdout.write(`READY ${url}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
