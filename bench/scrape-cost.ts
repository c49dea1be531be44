// CPU per metrics scrape, both ends in one process as in `testbed up`: the EPP's scraper fetching an
// idle vllm-sim pod's /metrics and reading its gauges. The idle cost of a topology is about this
// figure × 20 scrapes/s × pods, so it is the figure to compare between versions; it depends far less
// on the machine's load than a topology's idle CPU share does (a starved process also scrapes less
// often). Baseline in the same run: a bare HTTP round trip of the same size to a node:http server.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { systemClock } from "@testbed/common";
import { startVllmSim } from "@testbed/vllm-sim";
import { request } from "undici";
import type { Endpoint } from "../packages/epp/src/datastore/endpoint.js";
import { MetricsScraper } from "../packages/epp/src/datastore/metrics-scraper.js";

const SCRAPES = Number(process.env.BENCH_SCRAPES ?? 2000);
const PODS = 4;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

const pods = await Promise.all(
  Array.from({ length: PODS }, () => startVllmSim({ host: "127.0.0.1", port: 0, timeScale: 0, log: () => {} })),
);
const scraper = new MetricsScraper({
  intervalMs: 3_600_000,
  port: 0,
  path: "/metrics",
  scheme: "http",
  clock: systemClock,
});
pods.forEach((pod, index) => {
  const url = new URL(pod.url);
  const endpoint = { namespacedName: `bench/pod-${index}`, address: url.hostname, port: Number(url.port) } as Endpoint;
  scraper.watch(endpoint, () => {});
});
const exposition = await (await request(`${pods[0]?.url}/metrics`)).body.text();
for (let i = 0; i < 50; i++) await scraper.settle(); // warm-up
let started = cpuMicros();
for (let i = 0; i < SCRAPES / PODS; i++) await scraper.settle();
const perScrape = (cpuMicros() - started) / SCRAPES;
await scraper.close();
await Promise.all(pods.map((pod) => pod.close()));

const bare = createServer((_req, res) => res.end(exposition));
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/metrics`;
for (let i = 0; i < 200; i++) await (await request(bareUrl)).body.text();
started = cpuMicros();
for (let i = 0; i < SCRAPES / PODS; i++)
  await Promise.all(Array.from({ length: PODS }, async () => (await request(bareUrl)).body.text()));
const perBare = (cpuMicros() - started) / SCRAPES;
bare.close();
console.log(
  `metrics scrape, both ends in one process: ${perScrape.toFixed(0)} µs CPU per scrape (${exposition.length} bytes); ` +
    `bare node:http round trip of the same text: ${perBare.toFixed(0)} µs (${(perScrape / perBare).toFixed(2)}×)`,
);
