// prometheus_client's ProcessCollector as vLLM's /metrics shows it: the resident memory, CPU time
// and start time of the process serving the pod.
import type { Clock } from "@testbed/common";
import { Counter, Gauge, type Registry } from "prom-client";

/** The process's resident memory and CPU time at one moment. */
interface ProcessReading {
  at: number;
  rssBytes: number;
  cpuSeconds: number;
}

/**
 * How long one reading of the process serves every scrape. Several pods share a process in embedded
 * mode and the EPP scrapes each every 50 ms: reading the RSS (a /proc read) for each scrape cost
 * more than rendering the rest of /metrics, and no dashboard resolves memory at that rate.
 */
const READING_TTL_MS = 1000;

const readings = new WeakMap<Clock, ProcessReading>();

function processReading(clock: Clock): ProcessReading {
  const now = clock.monotonicNow();
  let reading = readings.get(clock);
  if (!reading || now - reading.at >= READING_TTL_MS) {
    const { user, system } = process.cpuUsage();
    // memoryUsage.rss() reads just the RSS; memoryUsage() also walks V8's heap statistics.
    reading = { at: now, rssBytes: process.memoryUsage.rss(), cpuSeconds: (user + system) / 1e6 };
    readings.set(clock, reading);
  }
  return reading;
}

/**
 * prometheus_client's ProcessCollector, read from this process when scraped. Returns the version of
 * what its families show (the time of the reading a scrape now would render), so a scrape renders
 * them again only when a new reading is due.
 */
export function registerProcessMetrics(registry: Registry, clock: Clock): () => number {
  const registers = [registry];
  const startSeconds = clock.now() / 1000 - process.uptime();
  new Gauge({
    name: "process_resident_memory_bytes",
    help: "Resident memory size in bytes.",
    registers,
    collect() {
      this.set(processReading(clock).rssBytes);
    },
  });
  new Gauge({
    name: "process_start_time_seconds",
    help: "Start time of the process since unix epoch in seconds.",
    registers,
  }).set(startSeconds);
  new Counter({
    name: "process_cpu_seconds_total",
    help: "Total user and system CPU time spent in seconds.",
    registers,
    collect() {
      this.reset();
      this.inc(processReading(clock).cpuSeconds);
    },
  });
  return () => processReading(clock).at;
}
