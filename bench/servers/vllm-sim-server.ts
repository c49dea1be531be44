import { silentSink } from "@testbed/common";
import { startVllmSim } from "@testbed/vllm-sim";

// One simulated pod for the benchmarks. TIME_SCALE (default 0) and MAX_NUM_SEQS come from the environment.
const pod = await startVllmSim({
  port: 0,
  timeScale: Number(process.env.TIME_SCALE ?? 0),
  maxNumSeqs: Number(process.env.MAX_NUM_SEQS ?? 256),
  // TRACE=off: no routing trace (bench/trace-overhead.ts compares the two).
  trace: process.env.TRACE !== "off",
  log: silentSink,
});
process.stdout.write(`READY ${pod.url}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
