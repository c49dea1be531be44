// Runs the real kubectl (test/real-clients.ts) against an API server of this process: asynchronously,
// since a synchronous child would block the event loop the server answers on.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kubeconfigText } from "@testbed/apimachinery";
import { type RealClientName, realClientPath } from "../../../test/real-clients.js";

export interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubeconfig file for this server and token, in a fresh temporary folder. */
export function kubeconfigFor(server: { url: string; ca?: string }, token: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "testbed-kubeconfig-")), "kubeconfig");
  writeFileSync(file, kubeconfigText(server.url, token, server.ca), { mode: 0o600 });
  return file;
}

/** One GET over HTTPS trusting the server's CA, with the bearer token when given. */
export function httpsGet(
  server: { url: string; ca?: string },
  path: string,
  token?: string,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return new Promise((resolve, reject) => {
    const outgoing = httpsRequest(new URL(path, server.url), { headers, ca: server.ca, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

export function runClient(
  name: RealClientName,
  kubeconfig: string,
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<ClientRun> {
  return new Promise((resolve) => {
    const child = execFile(
      realClientPath(name),
      args,
      {
        env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: kubeconfig, ...options.env },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(options.stdin ?? "");
  });
}

/**
 * The real helm against a kubeconfig, its cache, config and data in a folder of its own (helm writes
 * them under HOME otherwise, and test files run side by side).
 */
export function helmClient(kubeconfig: string): (...args: string[]) => Promise<ClientRun> {
  const home = mkdtempSync(join(tmpdir(), "testbed-helm-"));
  const env = {
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
  };
  return (...args) => runClient("helm", kubeconfig, args, { env });
}

/** A long-running client (`kubectl port-forward`): its output so far, and a way to stop it. */
export interface RunningClient {
  output(): string;
  stop(): void;
}

export function startClient(
  name: RealClientName,
  kubeconfig: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): RunningClient {
  const child = spawn(realClientPath(name), args, {
    env: { PATH: process.env.PATH, HOME: tmpdir(), KUBECONFIG: kubeconfig, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  return { output: () => output, stop: () => child.kill() };
}
