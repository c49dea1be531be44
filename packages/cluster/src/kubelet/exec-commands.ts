// The few programs `oc exec` can run in any testbed container: curl (against the pod itself or a
// Service name), cat, ls, env, echo and kill. There is no shell: the command runs as given.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import type { Agent } from "undici";
import { servingPort } from "../network/ports.js";
import type { PodFilesystem } from "./pod-filesystem.js";
import type { ExecResult } from "./runtimes/container-runtime.js";

/** What a command run by `oc exec` sees of its container. */
export interface ExecEnvironment {
  podIP: string;
  env: Record<string, string>;
  fs: PodFilesystem;
  /** Resolve a cluster DNS name (`svc.ns.svc.cluster.local`) to an address, if it is a Service. */
  resolveHost(host: string): string | undefined;
  /** `kill` of PID 1: the container exits with this code. */
  kill(exitCode: number): void;
}

let insecure: Agent | undefined;

/**
 * undici, loaded on the first curl: a pod process (`--isolation process`) whose programs make no
 * HTTP requests of their own (the storage initializer) then never loads it.
 */
async function httpClient(): Promise<{ agent: Agent; request: typeof import("undici").request }> {
  const { Agent, request } = await import("undici");
  insecure ??= new Agent({ connect: { rejectUnauthorized: false } });
  return { agent: insecure, request };
}

export async function execCommon(argv: string[], environment: ExecEnvironment): Promise<ExecResult> {
  const [program, ...args] = argv;
  switch (program?.split("/").pop()) {
    case "curl":
      return curl(args, environment);
    case "cat":
      return cat(args, environment);
    case "ls":
      return ls(args, environment);
    case "env":
      return ok(
        `${Object.entries(environment.env)
          .map(([k, v]) => `${k}=${v}`)
          .join("\n")}\n`,
      );
    case "echo":
      return ok(`${args.join(" ")}\n`);
    case "kill":
      return kill(args, environment);
    default:
      return {
        stdout: "",
        stderr: `error: exec: "${program}": executable file not found in $PATH (the testbed's containers run curl, cat, ls, env, echo, kill, and image-specific tools such as pilot-agent)\n`,
        exitCode: 127,
      };
  }
}

function ok(stdout: string): ExecResult {
  return { stdout, stderr: "", exitCode: 0 };
}

interface CurlRequest {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  data: string | undefined;
  silent: boolean;
  includeHeaders: boolean;
  fail: boolean;
}

function parseCurl(args: string[]): CurlRequest | string {
  const parsed: CurlRequest = {
    url: "",
    method: undefined,
    headers: {},
    data: undefined,
    silent: false,
    includeHeaders: false,
    fail: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    const next = () => args[++i] ?? "";
    if (arg === "-X" || arg === "--request") parsed.method = next();
    else if (arg === "-H" || arg === "--header") {
      const header = next();
      const colon = header.indexOf(":");
      if (colon > 0) parsed.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (arg === "-d" || arg === "--data" || arg === "--data-raw") parsed.data = next();
    else if (arg === "-o" || arg === "--output" || arg === "-w" || arg === "--max-time" || arg === "-m") next();
    else if (arg === "-i" || arg === "--include") parsed.includeHeaders = true;
    else if (arg === "-f" || arg === "--fail") parsed.fail = true;
    else if (arg.startsWith("-") && !arg.startsWith("--") && arg.length > 1) {
      // Combined short flags such as -sk, -sS, -si.
      if (arg.includes("s")) parsed.silent = true;
      if (arg.includes("i")) parsed.includeHeaders = true;
      if (arg.includes("f")) parsed.fail = true;
    } else if (!arg.startsWith("-")) parsed.url = arg;
  }
  return parsed.url ? parsed : "curl: no URL specified!";
}

/**
 * curl inside the pod: `localhost` is the pod itself. Certificates are not verified (the pods'
 * certificates name Services, not localhost). A URL without a scheme is tried as http://, and —
 * a testbed convenience, so the seed's `curl -s localhost:8000/metrics` works in a vLLM pod whose
 * port 8000 serves TLS — retried as https:// when the port only speaks TLS.
 */
async function curl(args: string[], environment: ExecEnvironment): Promise<ExecResult> {
  const parsed = parseCurl(args);
  if (typeof parsed === "string") return { stdout: "", stderr: `${parsed}\n`, exitCode: 2 };
  const explicitScheme = /^[a-z]+:\/\//i.test(parsed.url);
  const url = new URL(explicitScheme ? parsed.url : `http://${parsed.url}`);
  const host =
    url.hostname === "localhost" || url.hostname === "127.0.0.1"
      ? environment.podIP
      : environment.resolveHost(url.hostname);
  if (!host) return { stdout: "", stderr: `curl: (6) Could not resolve host: ${url.hostname}\n`, exitCode: 6 };
  const defaultPort = url.protocol === "https:" ? 443 : 80;
  const port = servingPort(url.port ? Number(url.port) : defaultPort);
  const target = (scheme: string) => `${scheme}//${host}:${port}${url.pathname}${url.search}`;
  try {
    return await send(target(url.protocol), parsed);
  } catch (error) {
    if (!explicitScheme) {
      try {
        return await send(target("https:"), parsed);
      } catch {
        // Report the first failure, as curl would.
      }
    }
    const message = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    return {
      stdout: "",
      stderr: parsed.silent ? "" : `curl: (7) Failed to connect to ${url.hostname} port ${port}: ${message}\n`,
      exitCode: 7,
    };
  }
}

async function send(url: string, parsed: CurlRequest): Promise<ExecResult> {
  const method = parsed.method ?? (parsed.data !== undefined ? "POST" : "GET");
  const headers = {
    ...(parsed.data !== undefined ? { "content-type": "application/x-www-form-urlencoded" } : {}),
    ...parsed.headers,
  };
  const { agent, request } = await httpClient();
  const response = await request(url, {
    method: method as "GET",
    headers,
    body: parsed.data ?? null,
    dispatcher: agent,
  });
  const body = await response.body.text();
  if (parsed.fail && response.statusCode >= 400) {
    return {
      stdout: "",
      stderr: parsed.silent ? "" : `curl: (22) The requested URL returned error: ${response.statusCode}\n`,
      exitCode: 22,
    };
  }
  const head = parsed.includeHeaders
    ? `HTTP/1.1 ${response.statusCode}\r\n${Object.entries(response.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join("\r\n")}\r\n\r\n`
    : "";
  return { stdout: head + body, stderr: "", exitCode: 0 };
}

function cat(args: string[], environment: ExecEnvironment): ExecResult {
  let stdout = "";
  for (const path of args) {
    const hostPath = environment.fs.resolve(path);
    if (!existsSync(hostPath) || statSync(hostPath).isDirectory()) {
      return {
        stdout,
        stderr: `cat: ${path}: ${existsSync(hostPath) ? "Is a directory" : "No such file or directory"}\n`,
        exitCode: 1,
      };
    }
    stdout += readFileSync(hostPath, "utf8");
  }
  return ok(stdout);
}

function ls(args: string[], environment: ExecEnvironment): ExecResult {
  const path = args.find((arg) => !arg.startsWith("-")) ?? "/";
  const hostPath = environment.fs.resolve(path);
  if (!existsSync(hostPath))
    return { stdout: "", stderr: `ls: cannot access '${path}': No such file or directory\n`, exitCode: 2 };
  if (!statSync(hostPath).isDirectory()) return ok(`${path}\n`);
  return ok(
    readdirSync(hostPath)
      .sort()
      .map((name) => `${name}\n`)
      .join(""),
  );
}

function kill(args: string[], environment: ExecEnvironment): ExecResult {
  const pid = args.find((arg) => !arg.startsWith("-"));
  if (pid !== "1") return { stdout: "", stderr: `kill: (${pid ?? ""}): No such process\n`, exitCode: 1 };
  const signal = args.find((arg) => arg.startsWith("-"));
  environment.kill(signal === "-9" || signal === "-KILL" ? 137 : 143);
  return ok("");
}
