import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, closeSync, constants, openSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Where `testbed up --prometheus` serves Prometheus: 9091, next to (not on) Prometheus' own default 9090. */
export const PROMETHEUS_LISTEN = "127.0.0.1:9091";

export const PROMETHEUS_INSTALL_HINT =
  "prometheus: not found on PATH, continuing without it (install it with `apt-get install prometheus` on Debian/Ubuntu, or put the binary from https://prometheus.io/download/ on PATH)";

/** The first executable `name` in the PATH directories, as a shell would find it. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface LocalPrometheusOptions {
  binary: string;
  configFile: string;
  /** TSDB directory; the log goes beside it as prometheus.log. */
  workDir: string;
  listen?: string;
  readyTimeoutMs?: number;
}

export interface LocalPrometheus {
  url: string;
  logFile: string;
  /** Re-read the config file (SIGHUP, as Prometheus documents). */
  reload(): void;
  stop(): Promise<void>;
}

/** Start Prometheus as a child process and wait for /-/ready. */
export async function startLocalPrometheus(options: LocalPrometheusOptions): Promise<LocalPrometheus> {
  const listen = options.listen ?? PROMETHEUS_LISTEN;
  const url = `http://${listen}`;
  const logFile = join(options.workDir, "prometheus.log");
  const log = openSync(logFile, "a");
  const child = spawn(
    options.binary,
    [
      `--config.file=${options.configFile}`,
      `--web.listen-address=${listen}`,
      `--storage.tsdb.path=${join(options.workDir, "data")}`,
      "--storage.tsdb.retention.time=1d",
    ],
    { stdio: ["ignore", log, log] },
  );
  // The child has its own copy of the descriptor; ours would stay open for the life of `testbed up`.
  closeSync(log);
  // If `testbed up` dies without its Ctrl-C path (an uncaught error), Prometheus must not outlive it.
  const killWithUs = () => child.kill("SIGKILL");
  process.once("exit", killWithUs);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      process.off("exit", killWithUs);
      resolve(code);
    });
    child.once("error", () => resolve(-1));
  });
  try {
    await waitReady(url, exited, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${tail(logFile)}`);
  }
  return { url, logFile, reload: () => child.kill("SIGHUP"), stop: () => stopChild(child, exited) };
}

async function waitReady(url: string, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let gone: number | null | undefined;
  void exited.then((code) => {
    gone = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`prometheus exited with code ${gone} before it was ready`);
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`prometheus not ready on ${url} after ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join("\n");
  } catch {
    return "";
  }
}
