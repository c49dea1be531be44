// `npm run bench`: every benchmark in turn. Each prints its figures beside a baseline measured in the same run.
await import("./vllm-sim-throughput.js");
await import("./epp-decisions.js");
await import("./gateway-overhead.js");
await import("./trace-overhead.js");
await import("./cli.js");
await import("./startup-phases.js");
await import("./testbed-up.js");
await import("./journey.js");
await import("./kubectl-latency.js");
await import("./page-idle.js");
