import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";

// One load-generating process for the EPP benchmark: CONCURRENCY sessions against ADDRESS for
// DURATION_MS after a 1 s warm-up. Prints RESULT <json> with the latencies it measured.
const address = process.env.ADDRESS ?? "127.0.0.1:9002";
const durationMs = Number(process.env.DURATION_MS ?? 5000);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const client = new EppClient({ address });
const body = chatBody("Summarise the seed's four bugs and their fixes. ".repeat(20)); // ≈ 1 KB
const latencies: number[] = [];
let errors = 0;
/** Exchanges completed either way: a peer that answers with bytes no client can decode (the Node floor) counts too. */
let exchanges = 0;

async function run(until: number, record: boolean): Promise<void> {
  while (Date.now() < until) {
    const started = performance.now();
    const result = await routeOnce(client, body).catch(() => undefined);
    if (record) exchanges++;
    if (!result?.destination) errors++;
    else if (record) latencies.push(performance.now() - started);
  }
}

const warmUntil = Date.now() + 1000;
await Promise.all(Array.from({ length: concurrency }, () => run(warmUntil, false)));
errors = 0;
const until = Date.now() + durationMs;
await Promise.all(Array.from({ length: concurrency }, () => run(until, true)));
client.close();
process.stdout.write(`RESULT ${JSON.stringify({ latencies, errors, exchanges })}\n`);
