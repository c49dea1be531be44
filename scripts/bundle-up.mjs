// The second build step: `testbed up` as one bundle. Node spends about a third of a second finding,
// reading and compiling the ≈ 1,300 files the in-process cluster loads (our packages' dist/ files,
// fastify, grpc-js, undici, yaml, x509…) before the cluster can start; one bundle of the same code
// loads in about a third of that. packages/cli/dist/commands/up.js (which main.js loads for `up`)
// is replaced by the bundle, its lazily loaded parts (the cluster runtime, the tokenizer) by chunks
// beside it, so `testbed up` still loads the cluster after its flags are checked. The certificate
// signing worker (packages/common/dist/certificate-worker.js) is bundled too: it loads the X.509
// library while the main thread loads the cluster. So is the pod host of `--isolation process`
// (packages/cluster/dist/kubelet/process/pod-host.js), which every pod process runs: each image's
// program stays a chunk of its own, loaded when the kubelet starts that container, so a vLLM pod's
// process reads a handful of files instead of resolving hundreds one by one: its CPU time until its
// vLLM container serves went from ≈ 0.5 s to ≈ 0.25 s. Every other command and the tests keep the
// one-file-per-source dist/.
// Plain JavaScript, run by scripts/build.mjs after dist/ is compiled.
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** Where the bundle of `up` and its chunks go: all in one directory, where the per-file up.js was. */
const OUT_DIR = ["packages", "cli", "dist", "commands"];
/** Where the pod host's bundle and its chunks go, where pod-process.js forks it from. */
const POD_HOST_DIR = ["packages", "cluster", "dist", "kubelet", "process"];

/**
 * Each output file's first lines. `require` for the CommonJS code that loads optional modules at run
 * time (protobufjs, undici); `__testbedPath` is fileURLToPath; `__testbedUrl` resolves a path from
 * the repository root, for every bundled file to find its own original location (below). URL through
 * globalThis: a bundled module may have a `URL` of its own in scope.
 */
function banner(outDir) {
  const up = relative(outDir, ".").split(sep).join("/");
  return [
    'import { createRequire as __testbedCreateRequire } from "node:module";',
    'import { fileURLToPath as __testbedPath } from "node:url";',
    "const require = __testbedCreateRequire(import.meta.url);",
    `const __testbedRoot = new globalThis.URL("${up}/", import.meta.url);`,
    "const __testbedUrl = (path) => new globalThis.URL(path, __testbedRoot);",
  ].join("\n");
}

/**
 * A file that finds things beside itself (the .proto files, the default topology, pod-host.js for
 * `--isolation process`, grpc-js's own protos) keeps finding them from its original place: its
 * `import.meta.url`, `__dirname` and `__filename` name that file, not the bundle.
 */
function originalLocations(root) {
  return {
    name: "original-locations",
    setup(build) {
      build.onLoad({ filter: /\.(m|c)?js$/ }, async (args) => {
        const text = await readFile(args.path, "utf8");
        const usesUrl = text.includes("import.meta.url");
        const usesDir = /\b__(dirname|filename)\b/.test(text);
        if (!usesUrl && !usesDir) return undefined;
        const fromRoot = JSON.stringify(relative(root, args.path).split(sep).join("/"));
        const url = `__testbedUrl(${fromRoot})`;
        let contents = usesUrl ? text.replaceAll("import.meta.url", `${url}.href`) : text;
        if (usesDir) {
          // Declared inside the module: esbuild wraps a CommonJS file in a function of its own.
          contents =
            `var __filename = __testbedPath(${url}), __dirname = __testbedPath(new globalThis.URL(".", ${url})).replace(/\\/$/, "");\n` +
            contents;
        }
        return { contents, loader: "js" };
      });
    },
  };
}

/**
 * Bundle packages/cli/dist/commands/up.js (already compiled) in place, the certificate signing
 * worker it starts (packages/common/dist/certificate-worker.js, one file, no chunks) and the pod
 * host it forks for `--isolation process`.
 */
export async function bundleUp(esbuild, root) {
  const workerDir = ["packages", "common", "dist"];
  const worker = join(root, ...workerDir, "certificate-worker.js");
  await esbuild.build({
    ...common(root),
    entryPoints: [worker],
    outfile: worker,
    banner: { js: banner(join(...workerDir)) },
  });
  await bundleInPlace(esbuild, root, OUT_DIR, "up");
  await bundleInPlace(esbuild, root, POD_HOST_DIR, "pod-host");
}

/** Bundle `<dir>/<entry>.js` over itself, its lazily loaded parts as `<entry>-<hash>.js` chunks beside it. */
async function bundleInPlace(esbuild, root, dir, entry) {
  const outdir = join(root, ...dir);
  await esbuild.build({
    ...common(root),
    entryPoints: [join(outdir, `${entry}.js`)],
    outdir,
    chunkNames: `${entry}-[hash]`,
    splitting: true,
    banner: { js: banner(join(...dir)) },
  });
}

/** What the three builds share. */
function common(root) {
  return {
    absWorkingDir: root,
    allowOverwrite: true,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // certificate-signing.ts imports @peculiar/x509 lazily, for its named exports. Node finds those in
    // the CommonJS build; esbuild gives a lazily loaded CommonJS chunk only a default export, so the
    // bundle takes the package's ES module build (the same code, the package's "module" entry).
    alias: { "@peculiar/x509": "@peculiar/x509/build/x509.es.js" },
    plugins: [originalLocations(root)],
    logLevel: "warning",
  };
}
