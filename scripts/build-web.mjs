#!/usr/bin/env node
// The workshop page's front end (packages/web/ui), bundled once at install time (the prepare step,
// after build.mjs) into packages/web/dist/public: one app.js and one app.css with Preact and uPlot
// inside, so `testbed up` serves the page offline — no CDN, nothing downloaded at run time.
// Plain JavaScript, like build.mjs, because it runs before anything is compiled.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const WEB = fileURLToPath(new URL("../packages/web", import.meta.url));
const UI = join(WEB, "ui");
const OUT = join(WEB, "dist", "public");

/** Bundle ui/ into dist/public with the given esbuild (build.mjs passes its own). */
export async function buildWeb(esbuild) {
  const started = performance.now();
  mkdirSync(OUT, { recursive: true });
  await esbuild.build({
    entryPoints: { app: join(UI, "main.tsx") },
    outdir: OUT,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  copyFileSync(join(UI, "index.html"), join(OUT, "index.html"));
  return performance.now() - started;
}

// Run directly (`node scripts/build-web.mjs`): rebuild the page alone.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ms = await buildWeb(await import("esbuild"));
  process.stdout.write(`build-web: packages/web/ui → dist/public in ${ms.toFixed(0)} ms\n`);
}
