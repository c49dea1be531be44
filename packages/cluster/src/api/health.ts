// /healthz, /livez and /readyz as the real server answers them: `ok`, or with `?verbose` the list
// of checks and "<check> check passed". The testbed's server has no failing dependencies.

const CHECKS: Record<string, string[]> = {
  "/livez": ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers"],
  "/readyz": [
    "ping",
    "log",
    "etcd",
    "etcd-readiness",
    "informer-sync",
    "poststarthook/start-apiextensions-controllers",
    "shutdown",
  ],
  "/healthz": ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers"],
};

export function healthCheck(path: string, query: unknown): string {
  const verbose = typeof query === "object" && query !== null && "verbose" in query;
  if (!verbose) return "ok";
  const lines = (CHECKS[path] ?? []).map((check) => `[+]${check} ok`);
  return `${lines.join("\n")}\n${path.slice(1)} check passed\n`;
}
