import autocannon from "autocannon";
import { Pool, request } from "undici";
import { type ChildServer, startChildServer } from "./child-server.js";

/**
 * vllm-sim throughput at --time-scale 0, each figure beside a bare fastify handler measured in the
 * same run:
 *   1. completed non-streaming requests/s (≈128-token prompt, 16 output tokens, 64 in flight)
 *   2. streamed tokens/s delivered to clients (64 streams of 256 tokens)
 *   3. RSS with 1,000 streams in flight (time scale 1, so they stay open)
 *   4. /health latency (p99, max) while the same pod tokenizes a 1 MB prompt (words, then one 1 MB word)
 * Targets (issue 2): ≥ 3,000 req/s and ≥ 50,000 streamed tokens/s; issue 19: /health p99 < 50 ms.
 */
const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

// "The quick brown fox…" × 14 in a user message: 128 prompt tokens with the ChatML wrapper.
const prompt = "The quick brown fox jumps over the lazy dog. ".repeat(12).trim();
const requestBody = (extra: object) =>
  JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: prompt }], ...extra });

async function load(url: string, body: string, connections: number) {
  const result = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: DURATION_SECONDS,
  });
  const ok = result["2xx"];
  return { requestsPerSecond: ok / DURATION_SECONDS, errors: result.errors + result.non2xx };
}

async function measure(script: string, body: string, connections: number) {
  const server = await startChildServer(script);
  try {
    await load(server.url, body, connections); // warm-up is a full run: JIT, tokenizer, pools
    return await load(server.url, body, connections);
  } finally {
    await server.stop();
  }
}

async function rssWithStreams(server: ChildServer, streams: number): Promise<number> {
  const pool = new Pool(server.url, { connections: streams, pipelining: 1 });
  const body = requestBody({ max_tokens: 4000, ignore_eos: true, stream: true });
  let opened = 0;
  const responses = Array.from({ length: streams }, () =>
    pool
      .request({ path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" }, body })
      .then((response) => {
        opened++;
        return response;
      }),
  );
  while (opened < streams) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rss = server.rssBytes();
  for (const response of await Promise.all(responses)) response.body.destroy();
  await pool.destroy();
  return rss;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const ratio = (value: number, baseline: number) => `${((value / baseline) * 100).toFixed(0)}% of baseline`;

const plain = requestBody({ max_tokens: 16, ignore_eos: true });
const sim = await measure("vllm-sim-server.ts", plain, 64);
const base = await measure("baseline-server.ts", plain, 64);
console.log(
  `non-streaming, 64 in flight: vllm-sim ${sim.requestsPerSecond.toFixed(0)} req/s (errors ${sim.errors}), ` +
    `bare fastify ${base.requestsPerSecond.toFixed(0)} req/s — ${ratio(sim.requestsPerSecond, base.requestsPerSecond)}; target ≥ 3000 req/s`,
);

const streamTokens = 256;
const streaming = requestBody({ max_tokens: streamTokens, ignore_eos: true, stream: true });
const simStream = await measure("vllm-sim-server.ts", streaming, 64);
const baseStream = await measure("baseline-server.ts", streaming, 64);
const simTokens = simStream.requestsPerSecond * streamTokens;
const baseTokens = baseStream.requestsPerSecond * streamTokens;
console.log(
  `streaming, 64 streams × ${streamTokens} tokens: vllm-sim ${simTokens.toFixed(0)} tokens/s, ` +
    `bare fastify ${baseTokens.toFixed(0)} tokens/s — ${ratio(simTokens, baseTokens)}; target ≥ 50000 tokens/s`,
);

const pod = await startChildServer("vllm-sim-server.ts", { TIME_SCALE: "1" });
const idle = pod.rssBytes();
const busy = await rssWithStreams(pod, 1000);
await pod.stop();
const baseline = await startChildServer("baseline-server.ts");
const baselineIdle = baseline.rssBytes();
await baseline.stop();
console.log(
  `RSS: vllm-sim idle ${mib(idle)}, with 1,000 streams in flight ${mib(busy)} (+${mib(busy - idle)}); ` +
    `bare fastify idle ${mib(baselineIdle)}`,
);

/** /health round trips, one after another, for as long as a 1 MB prompt is being handled by the same pod. */
async function healthDuringBigPrompt(server: ChildServer, content: string) {
  const body = JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content }], max_tokens: 1 });
  const started = performance.now();
  let done = false;
  let status = 0;
  const big = request(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  }).then(async (response) => {
    status = response.statusCode;
    await response.body.dump();
    done = true;
  });
  const latencies: number[] = [];
  while (!done) {
    const sent = performance.now();
    const response = await request(`${server.url}/health`);
    await response.body.dump();
    latencies.push(performance.now() - sent);
  }
  await big;
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
  return { p99, max: latencies.at(-1) ?? 0, count: latencies.length, ms: performance.now() - started, status };
}

const tokenizing = await startChildServer("vllm-sim-server.ts");
for (const [label, content] of [
  ["1 MB of words", "The quick brown fox jumps over the lazy dog. ".repeat(23_302)],
  ["one 1 MB word", "x".repeat(1 << 20)],
] as const) {
  await healthDuringBigPrompt(tokenizing, content.slice(0, 4096)); // warm-up: tokenizer and JIT
  const result = await healthDuringBigPrompt(tokenizing, content);
  console.log(
    `/health while a ${label} prompt is tokenized (${result.ms.toFixed(0)} ms, answered ${result.status}): ` +
      `p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms over ${result.count} probes; target p99 < 50 ms`,
  );
}
await tokenizing.stop();
