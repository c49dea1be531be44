import { silentSink } from "@testbed/common";
import { startEpp } from "@testbed/epp";

// The testbed's EPP over the pool in ENDPOINTS, plaintext, default config. Prints READY host:port.
const epp = await startEpp({
  grpcPort: 0,
  grpcHealthPort: 0,
  metricsPort: 0,
  secureServing: false,
  endpoints: process.env.ENDPOINTS,
  verbosity: 0,
  // TRACE=off: no routing trace (bench/trace-overhead.ts compares the two).
  trace: process.env.TRACE !== "off",
  log: silentSink,
});
process.stdout.write(`READY ${epp.grpcAddress}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
