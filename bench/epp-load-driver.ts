import { chatBody, EppClient, routeOnce } from "@testbed/epp-client";

// One load-generating process for the EPP benchmark: CONCURRENCY sessions against ADDRESS for
// DURATION_MS after a 1 s warm-up, as fast as they go or at RATE exchanges a second. Prints
// RESULT <json> with the latencies it measured.
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

/**
 * RATE=n: n exchanges a second started on a schedule (at most CONCURRENCY at once) instead of as
 * fast as the sessions go, so two servers' CPU per exchange compare at the same throughput — on a
 * shared machine the CPU an exchange costs grows as the rate falls (fewer messages per wake-up).
 */
async function paced(until: number, record: boolean, rate: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const interval = 1000 / rate;
  let next = performance.now();
  while (Date.now() < until) {
    if (inFlight.size < concurrency) {
      const one: Promise<void> = exchange(record).finally(() => inFlight.delete(one));
      inFlight.add(one);
    }
    next += interval;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await Promise.all(inFlight);
}

const rate = Number(process.env.RATE ?? 0);
const load = (until: number, record: boolean) =>
  rate > 0 ? paced(until, record, rate) : Promise.all(Array.from({ length: concurrency }, () => run(until, record)));

await load(Date.now() + 1000, false);
errors = 0;
await load(Date.now() + durationMs, true);
client.close();
// Exit once the result is out: a stream the peer left half-open must not keep the driver alive.
process.stdout.write(`RESULT ${JSON.stringify({ latencies, errors, exchanges })}\n`, () => process.exit(0));
