// Running `testbed` in tests: the bin in its own process, as a user runs it, or a command's run()
// in this process with what it writes captured.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";

/** The `testbed` bin, as `npx testbed` runs it. */
export const TESTBED_BIN = fileURLToPath(new URL("../bin/testbed.mjs", import.meta.url));

/** How a command ended and what it wrote. */
export interface CommandRun<Code = number | null> {
  code: Code;
  stdout: string;
  stderr: string;
}

/**
 * `testbed ARGS` in its own process until it exits; with `readyWhen`, a server is stopped with
 * SIGTERM once its output shows that it is up.
 */
export function runTestbed(
  args: string[],
  options: { env?: Record<string, string>; readyWhen?: RegExp } = {},
): Promise<CommandRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TESTBED_BIN, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // A server is up once either stream shows it (the banner is on stdout, start-up notes on stderr).
    const stopIfReady = () => {
      if (options.readyWhen?.test(`${stdout}${stderr}`)) child.kill("SIGTERM");
    };
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      stopIfReady();
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      stopIfReady();
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run a command in this process, capturing what it writes to stdout and stderr. */
export async function captureOutput(run: () => Promise<number>): Promise<CommandRun<number>> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await run(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
