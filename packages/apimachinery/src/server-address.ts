// How a client finds the running testbed's API server: `--server URL`, else `$TESTBED_SERVER`, else
// the file `testbed up` writes (`$TESTBED_HOME/server`, default ~/.testbed/server): the API URL on
// its first line, the process id of the testbed that owns it on the second.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface ServerAddress {
  url: string;
  /** Where the address came from, for error messages. */
  source: "flag" | "env" | "file";
}

/** What `testbed up` records in the server file. */
export interface ServerRecord {
  url: string;
  /** Absent in a file an older testbed wrote. */
  pid?: number;
}

export function testbedHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESTBED_HOME && env.TESTBED_HOME !== "" ? env.TESTBED_HOME : join(homedir(), ".testbed");
}

export function serverAddressFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(testbedHome(env), "server");
}

/** Record this process's testbed (`pid` for tests) as the one clients of TESTBED_HOME talk to. */
export async function writeServerAddress(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  pid = process.pid,
): Promise<void> {
  const file = serverAddressFile(env);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${url}\n${pid}\n`, "utf8");
}

/** The address, or undefined when no testbed has announced one. */
export async function readServerAddress(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerAddress | undefined> {
  if (flag) return { url: flag, source: "flag" };
  if (env.TESTBED_SERVER) return { url: env.TESTBED_SERVER, source: "env" };
  const record = await readServerRecord(env);
  return record ? { url: record.url, source: "file" } : undefined;
}

export async function readServerRecord(env: NodeJS.ProcessEnv = process.env): Promise<ServerRecord | undefined> {
  const text = await readFile(serverAddressFile(env), "utf8").catch(() => "");
  const [url = "", pid = ""] = text.split("\n").map((line) => line.trim());
  if (url === "") return undefined;
  return /^\d+$/.test(pid) ? { url, pid: Number(pid) } : { url };
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

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but another user's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Any HTTP answer from the API server's /version within 3 s (a busy machine answers late, not never). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(new URL("/version", url), { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}
