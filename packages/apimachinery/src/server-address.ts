/**
 * How a client finds the running testbed's API server: `--server URL`, else `$TESTBED_SERVER`, else
 * the file `testbed up` writes (`$TESTBED_HOME/server`, default ~/.testbed/server).
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface ServerAddress {
  url: string;
  /** Where the address came from, for error messages. */
  source: "flag" | "env" | "file";
}

export function testbedHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.TESTBED_HOME && env.TESTBED_HOME !== "" ? env.TESTBED_HOME : join(homedir(), ".testbed");
}

export function serverAddressFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(testbedHome(env), "server");
}

export async function writeServerAddress(url: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = serverAddressFile(env);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${url}\n`, "utf8");
}

/** The address, or undefined when no testbed has announced one. */
export async function readServerAddress(
  flag?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServerAddress | undefined> {
  if (flag) return { url: flag, source: "flag" };
  if (env.TESTBED_SERVER) return { url: env.TESTBED_SERVER, source: "env" };
  const text = await readFile(serverAddressFile(env), "utf8").catch(() => "");
  const url = text.trim();
  return url === "" ? undefined : { url, source: "file" };
}

/** Forget the address (on `testbed up` shutdown), unless another testbed has since replaced it. */
export async function clearServerAddress(url?: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = serverAddressFile(env);
  if (url !== undefined) {
    const current = (await readFile(file, "utf8").catch(() => "")).trim();
    if (current !== url) return;
  }
  await rm(file, { force: true });
}
