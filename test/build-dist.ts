// vitest global setup: compile packages/*/dist from the current sources before any test runs, so a
// test that spawns bin/testbed.mjs (which runs dist/) never exercises a stale build.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BUILD = fileURLToPath(new URL("../scripts/build.mjs", import.meta.url));

export default function setup(): void {
  execFileSync(process.execPath, [BUILD], { stdio: ["ignore", "ignore", "inherit"] });
}
