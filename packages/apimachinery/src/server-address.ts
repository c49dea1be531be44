// How a client finds the running testbed's API server: `--server URL`, else `$TESTBED_SERVER`, else
// the file `testbed up` writes (`$TESTBED_HOME/server`, default ~/.testbed/server): the API URL on
// its first line, the process id of the testbed that owns it on the second, the API's bearer token
// on the third (the file is the owner's alone, mode 0600, like the kubeconfig beside it), the
// routing trace endpoint's base URL on the fourth. An HTTPS API's CA is in `api-ca.crt` beside it.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface ServerAddress {
  url: string;
  /** Where the address came from, for error messages. */
  source: "flag" | "env" | "file";
  /** The bearer token the API server requires: `$TESTBED_TOKEN`, else the server file's. */
  token?: string;
  /** The CA (PEM) an https:// server's certificate chains to: `$TESTBED_CA_FILE`'s, else the testbed's. */
  ca?: string;
}

/** What `testbed up` records in the server file. */
export interface ServerRecord {
  url: string;
  /** Absent in a file an older testbed wrote. */
  pid?: number;
  /** Absent when the API server requires none. */
  token?: string;
  /** The routing trace endpoint's base URL (`<url>/api/traces`); absent in a file an older testbed wrote. */
  traces?: string;
}

export function testbedHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESTBED_HOME && env.TESTBED_HOME !== "" ? env.TESTBED_HOME : join(homedir(), ".testbed");
}

export function serverAddressFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(testbedHome(env), "server");
}

export function serverCaFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(testbedHome(env), "api-ca.crt");
}

/** Record this process's testbed (`pid` for tests) as the one clients of TESTBED_HOME talk to. */
export async function writeServerAddress(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
  token?: string,
  ca?: string,
  traces?: string,
): Promise<void> {
  const file = serverAddressFile(env);
  await mkdir(dirname(file), { recursive: true });
  if (ca !== undefined) await writeFile(serverCaFile(env), ca, "utf8");
  // A file an older testbed left with wider permissions keeps them on overwrite: remove it first.
  await rm(file, { force: true });
  await writeFile(file, `${url}\n${pid}\n${token ?? ""}\n${traces ? `${traces}\n` : ""}`, {
    encoding: "utf8",
    mode: 0o600,
  });
}

/** The address, or undefined when no testbed has announced one. */
export async function readServerAddress(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerAddress | undefined> {
  const record = await readServerRecord(env);
  const token = env.TESTBED_TOKEN || record?.token;
  const complete = async (address: ServerAddress): Promise<ServerAddress> => {
    const ca = address.url.startsWith("https:") ? await readServerCa(env) : undefined;
    return { ...address, ...(token ? { token } : {}), ...(ca ? { ca } : {}) };
  };
  if (flag) return complete({ url: flag, source: "flag" });
  if (env.TESTBED_SERVER) return complete({ url: env.TESTBED_SERVER, source: "env" });
  return record ? complete({ url: record.url, source: "file" }) : undefined;
}

async function readServerCa(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const text = await readFile(env.TESTBED_CA_FILE || serverCaFile(env), "utf8").catch(() => "");
  return text === "" ? undefined : text;
}

export async function readServerRecord(env: NodeJS.ProcessEnv = process.env): Promise<ServerRecord | undefined> {
  const text = await readFile(serverAddressFile(env), "utf8").catch(() => "");
  const [url = "", pid = "", token = "", traces = ""] = text.split("\n").map((line) => line.trim());
  if (url === "") return undefined;
  const record: ServerRecord = /^\d+$/.test(pid) ? { url, pid: Number(pid) } : { url };
  if (traces !== "") record.traces = traces;
  return token === "" ? record : { ...record, token };
}

/**
 * The testbed TESTBED_HOME's server file names, if it is still running: its process is alive and
 * its API answers (a pid alone could have been reused since a crash). Undefined for no file or a
 * stale one, which a new testbed may take over.
 */
export async function runningServer(env: NodeJS.ProcessEnv = process.env): Promise<ServerRecord | undefined> {
  const record = await readServerRecord(env);
  if (!record) return undefined;
  if (record.pid !== undefined && !processAlive(record.pid)) return undefined;
  return (await answers(record.url)) ? record : undefined;
}

/** Forget the address (on `testbed up` shutdown) only if it is still this process's: never another testbed's. */
export async function clearServerAddress(
  url?: string,
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): Promise<void> {
  const record = await readServerRecord(env);
  if (!record || record.pid !== pid || (url !== undefined && record.url !== url)) return;
  await rm(serverAddressFile(env), { force: true });
}

/**
 * Any HTTP answer from the API server's /version within 3 s (a busy machine answers late, not never).
 * Its certificate is not checked: this asks only whether something still listens there.
 */
async function answers(url: string): Promise<boolean> {
  const target = new URL("/version", url);
  const { request } = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve) => {
    const outgoing = request(target, { rejectUnauthorized: false, timeout: 3000, agent: false }, (incoming) => {
      incoming.resume();
      resolve(true);
    });
    outgoing.on("timeout", () => outgoing.destroy());
    outgoing.on("error", () => resolve(false));
    outgoing.end();
  });
}

/**
 * True while `pid` runs, also when it belongs to another user (signal 0 then fails with EPERM):
 * for files that name the process owning them and must not outlive it as if it were alive.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
