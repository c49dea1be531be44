// Running the real kubectl against a testbed API server: a kubeconfig in a temporary folder that
// points at the server, and a runner that captures stdout, stderr and the exit code (kubectl's
// failures are answers too). stdin feeds `-f -`.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BashSession } from "./markdown-commands.js";
import { realClientPath } from "./real-clients.js";

export interface KubectlResult {
  code: number;
  out: string;
  err: string;
}

export interface RealKubectl {
  kubeconfig: string;
  run(...args: string[]): Promise<KubectlResult>;
  runWithStdin(stdin: string, ...args: string[]): Promise<KubectlResult>;
  /** A shell pipeline (`kubectl … | grep …`) with `kubectl` on PATH and KUBECONFIG set. */
  shell(script: string): Promise<KubectlResult>;
  /** A following command (`logs -f`): its first `count` lines, then the process is ended (as Ctrl-C would). */
  follow(count: number, ...args: string[]): Promise<string[]>;
  /** A bash with `kubectl` on PATH and KUBECONFIG set, running commands one by one (markdown-commands.ts). */
  bash(): BashSession;
  /** A long-running command: its output so far, whether it still runs, and a way to end it (Ctrl-C). */
  start(...args: string[]): StartedKubectl;
  dispose(): void;
}

export interface StartedKubectl {
  output(): string;
  running(): boolean;
  stop(): void;
}

export function realKubectl(serverUrl: string): RealKubectl {
  const dir = mkdtempSync(join(tmpdir(), "testbed-kubectl-"));
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: testbed",
      "  cluster:",
      `    server: ${serverUrl}`,
      "contexts:",
      "- name: testbed",
      "  context:",
      "    cluster: testbed",
      "    user: testbed-admin",
      "current-context: testbed",
      "users:",
      "- name: testbed-admin",
      "  user: {}",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const binDir = join(realClientPath("kubectl"), "..");
  const env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    KUBECACHEDIR: join(dir, "cache"),
    HOME: dir,
    PATH: `${binDir}:${process.env.PATH ?? ""}`,
  };
  const exec = (file: string, args: string[], stdin: string) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(file, args, { env, timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (error, out, err) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, out: String(out), err: String(err) });
      });
      child.stdin?.end(stdin);
    });
  return {
    kubeconfig,
    run: (...args) => exec(realClientPath("kubectl"), args, ""),
    runWithStdin: (stdin, ...args) => exec(realClientPath("kubectl"), args, stdin),
    shell: (script) => exec("/bin/sh", ["-c", script], ""),
    follow: (count, ...args) =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(realClientPath("kubectl"), args, { env, stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        let errors = "";
        child.stdout.on("data", (chunk) => {
          text += chunk;
          const lines = text.split("\n");
          if (lines.length > count) {
            child.kill("SIGINT");
            resolve(lines.slice(0, count));
          }
        });
        child.stderr.on("data", (chunk) => {
          errors += chunk;
        });
        child.on("exit", (code) =>
          reject(new Error(`kubectl ended (${code}) before ${count} lines: ${text}${errors}`)),
        );
      }),
    bash: () => new BashSession(env),
    start: (...args) => {
      const child = spawn(realClientPath("kubectl"), args, { env, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      let running = true;
      child.stdout.on("data", (chunk) => {
        output += chunk;
      });
      child.stderr.on("data", (chunk) => {
        output += chunk;
      });
      child.on("exit", () => {
        running = false;
      });
      return { output: () => output, running: () => running, stop: () => child.kill("SIGINT") };
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
