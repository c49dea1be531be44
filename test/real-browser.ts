// The real browser the page's tests drive: Debian's chromium (.ci/run installs it with apt-get),
// through playwright-core — no browser download. On a machine without it the tests are skipped
// with the reason, unless TESTBED_REQUIRE_CHROMIUM=1 (set by .ci/run), where a missing browser fails.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";

const CANDIDATES = [process.env.TESTBED_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** Screenshots of each step: test artifacts, not committed (.gitignore). */
export const ARTIFACTS_DIR = fileURLToPath(new URL("../.artifacts/web-page/", import.meta.url));

export function chromiumPath(): string | undefined {
  return CANDIDATES.find((path): path is string => Boolean(path) && existsSync(path as string));
}

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (chromiumPath()) return undefined;
  const reason = "chromium not found: apt-get install chromium";
  if (process.env.TESTBED_REQUIRE_CHROMIUM === "1") throw new Error(reason);
  return reason;
}

export interface RealBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Headless chromium with a fresh profile, no background networking, nothing but loopback. */
export async function launchChromium(): Promise<RealBrowser> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error("chromium not found: apt-get install chromium");
  const profile = mkdtempSync(join(tmpdir(), "testbed-chromium-"));
  // A fresh --user-data-dir: playwright takes it as the persistent context's folder.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
