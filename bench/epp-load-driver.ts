import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";

// One load-generating process for the EPP benchmark: CONCURRENCY sessions against ADDRESS for
// DURATION_MS after a 1 s warm-up, as fast as they go. Prints RESULT <json> with the latencies
// it measured.
const address = process.env.ADDRESS ?? "127.0.0.1:9002";
const durationMs = Number(process.env.DURATION_MS ?? 5000);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const client = new EppClient({ address });
const body = chatBody("Summarise the seed's four bugs and their fixes. ".repeat(20)); // ≈ 1 KB
const latencies: number[] = [];
let errors = 0;
/** Exchanges completed either way: a peer that answers with bytes no client can decode (the Node floor) counts too. */
let exchanges = 0;

async function exchange(record: boolean): Promise<void> {
  const started = performance.now();
  const result = await routeOnce(client, body).catch(() => undefined);
  if (record) exchanges++;
  if (!result?.destination) errors++;
  else if (record) latencies.push(performance.now() - started);
}

async function run(until: number, record: boolean): Promise<void> {
  while (Date.now() < until) await exchange(record);
}

const load = (until: number, record: boolean) =>
  Promise.all(Array.from({ length: concurrency }, () => run(until, record)));

await load(Date.now() + 1000, false);
errors = 0;
await load(Date.now() + durationMs, true);
client.close();
// Exit once the result is out: a stream the peer left half-open must not keep the driver alive.
process.stdout.write(`RESULT ${JSON.stringify({ latencies, errors, exchanges })}\n`, () => process.exit(0));
