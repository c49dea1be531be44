// Every command answers --help and -h with its usage (exit 0), and a flag it does not know with
// the usage and exit 2 — never with parseArgs' stack trace (authorino and limitador used to crash).
import { describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { captureOutput, runTestbed } from "./command-runs.js";

describe("testbed <command> --help", () => {
  it("every command listed by `testbed --help` prints its usage and exits 0, with --help and with -h", async () => {
    const top = await runTestbed(["--help"]);
    expect(top.code).toBe(0);
    const names = [...top.stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((match) => match[1] as string);
    expect(names).toEqual(expect.arrayContaining(["up", "oc", "authorino", "limitador", "maas", "gateway"]));
    const failures: string[] = [];
    for (const name of names) {
      for (const flag of ["--help", "-h"]) {
        const run = await captureOutput(() => main([name, flag]));
        if (run.code !== 0 || !run.stdout.startsWith(`usage: testbed ${name}`))
          failures.push(`${name} ${flag}: exit ${run.code}, stdout ${JSON.stringify(run.stdout.slice(0, 80))}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it("authorino --help, run as a user runs it, prints the usage", async () => {
    const run = await runTestbed(["authorino", "--help"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("usage: testbed authorino --config FILE");
  }, 30_000);

  it.each([
    ["authorino", "--config"],
    ["limitador", "--limits"],
    ["gateway", "--config"],
    ["contract", "--epp"],
  ])("%s: an unknown flag gives the usage and exit 2, no stack trace", async (name, knownFlag) => {
    const run = await captureOutput(() => main([name, "--no-such-flag"]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`testbed ${name}: Unknown option '--no-such-flag'`);
    expect(run.stderr).toContain(knownFlag);
    expect(run.stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m); // a stack frame
  });

  it("maas mint: an unknown flag gives the usage and exit 2", async () => {
    const run = await captureOutput(() => main(["maas", "mint", "--user", "alice", "--colour", "blue"]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: testbed maas mint --user NAME --tier");
  });

  it("authorino and limitador without their file name the missing flag", async () => {
    const authorino = await captureOutput(() => main(["authorino"]));
    expect(authorino.code).toBe(2);
    expect(authorino.stderr).toContain("--config is required");
    const limitador = await captureOutput(() => main(["limitador", "--port", "0"]));
    expect(limitador.code).toBe(2);
    expect(limitador.stderr).toContain("--limits is required");
  });
});
