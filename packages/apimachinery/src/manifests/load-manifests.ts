// Where `-f` points: a file, a directory (recursive, sorted, *.yaml|*.yml|*.json) or stdin (`-`).
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { ManifestError } from "./manifest-error.js";
import { type Manifest, parseManifests } from "./parse-manifests.js";

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export async function loadManifests(path: string, stdin: () => Promise<string> = readStdin): Promise<Manifest[]> {
  if (path === "-") return parseManifests(await stdin(), "-");
  const files = await manifestFiles(path);
  const manifests: Manifest[] = [];
  for (const file of files) manifests.push(...parseManifests(await readFile(file, "utf8"), file));
  return manifests;
}

/** The files a path names, in the order they are applied. */
export async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ManifestError({ file: path, document: 0 }, `the path "${path}" does not exist`);
  if (!info.isDirectory()) return [path];
  const files: string[] = [];
  const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) files.push(...(await manifestFiles(child)));
    else if (MANIFEST_FILE.test(entry.name)) files.push(child);
  }
  return files;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
