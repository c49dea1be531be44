import { silentSink } from "@testbed/common";
import { startVllmSim } from "@testbed/vllm-sim";

// POOL_SIZE simulated vLLM pods in one process (they share one tokenizer). Prints READY ip:port,ip:port,…
const size = Number(process.env.POOL_SIZE ?? 4);
const pods = await Promise.all(
  Array.from({ length: size }, () => startVllmSim({ port: 0, timeScale: 0, log: silentSink })),
);
process.stdout.write(`READY ${pods.map((pod) => pod.url.replace("http://", "")).join(",")}\n`);

// Exit cleanly on SIGTERM so `node --cpu-prof` can write its profile.
process.on("SIGTERM", () => process.exit(0));
