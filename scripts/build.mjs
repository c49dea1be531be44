#!/usr/bin/env node
// `npm run build`, and `npm install`'s prepare step: every packages/*/src/**/*.ts becomes
// packages/*/dist/**/*.js, one file for one file at the same depth (so `new URL("../proto",
// import.meta.url)`-style paths resolve alike from src and dist), types stripped by esbuild, nothing
// bundled; then `testbed up`, whose launch → banner is mostly Node loading modules, is bundled on top
// (scripts/bundle-up.mjs). `npx testbed` then runs plain JavaScript: no TypeScript compiler on the user's path.
// Plain JavaScript itself, because it runs before anything is compiled. Type checking stays with
// `npm run typecheck`.
import { readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleUp } from "./bundle-up.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = join(ROOT, "packages");

/** Every .ts file under `dir` except declaration files. */
function sources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...sources(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) found.push(path);
  }
  return found;
}

function packagesWithSources() {
  return readdirSync(PACKAGES)
    .map((name) => join(PACKAGES, name))
    .filter((dir) => statSync(join(dir, "src"), { throwIfNoEntry: false })?.isDirectory());
}

async function loadEsbuild() {
  try {
    return await import("esbuild");
  } catch {
    // Installed without devDependencies (e.g. `npm ci --omit=dev` in a runtime image): whoever
    // installs that way ships a dist/ built beforehand, as the Dockerfile does.
    return undefined;
  }
}

const esbuild = await loadEsbuild();
if (!esbuild) {
  process.stderr.write("build: esbuild is not installed (devDependencies omitted); dist/ left as it is\n");
} else {
  const started = performance.now();
  let files = 0;
  await Promise.all(
    packagesWithSources().map(async (dir) => {
      const entryPoints = sources(join(dir, "src"));
      files += entryPoints.length;
      // A removed or renamed source must not live on as a stale dist file.
      rmSync(join(dir, "dist"), { recursive: true, force: true });
      await esbuild.build({
        entryPoints,
        outdir: join(dir, "dist"),
        outbase: join(dir, "src"),
        format: "esm",
        platform: "node",
        target: "node20",
        bundle: false,
        logLevel: "warning",
      });
    }),
  );
  await writeQwen3Vocabulary();
  // After dist/ is rebuilt (the loop above empties packages/web/dist): the workshop page's bundle.
  const { buildWeb } = await import("./build-web.mjs");
  await buildWeb(esbuild);
  await bundleUp(esbuild, ROOT);
  const ms = performance.now() - started;
  if (!process.env.TESTBED_BUILD_QUIET) {
    process.stdout.write(
      `build: ${files} files → packages/*/dist in ${ms.toFixed(0)} ms (${relative(process.cwd(), PACKAGES) || "."})\n`,
    );
  }
}

/**
 * The Qwen3 vocabulary in its compact binary form (packages/vllm-sim/dist/qwen3-vocabulary.bin), made
 * by the package's own compiled code: every vLLM pod process then reads a few MB instead of parsing
 * the 11 MB tokenizer.json into ~100 MB of strings and Maps.
 */
async function writeQwen3Vocabulary() {
  const tokens = (file) => pathToFileURL(join(PACKAGES, "vllm-sim", "dist", "tokens", file)).href;
  const { qwen3TokenizerFiles, QWEN3_VOCABULARY_FILE } = await import(tokens("qwen3-tokenizer.js"));
  const { compileVocabulary } = await import(tokens("vocabulary-compiler.js"));
  const { writeVocabulary } = await import(tokens("vocabulary-file.js"));
  writeFileSync(QWEN3_VOCABULARY_FILE, writeVocabulary(compileVocabulary(qwen3TokenizerFiles())));
}
