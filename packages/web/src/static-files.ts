// The page's files: built at install time (scripts/build-web.mjs bundles ui/ into dist/public) and
// served from the package; nothing is fetched from elsewhere at run time.
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

/** dist/public beside src/ and dist/ alike (the package root's dist). */
export const PUBLIC_DIR = fileURLToPath(new URL("../dist/public/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json",
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

/** The built file for a URL path (`/` is index.html), or undefined; paths cannot leave the folder. */
export async function staticFile(urlPath: string, dir: string = PUBLIC_DIR): Promise<StaticFile | undefined> {
  const relative = normalize(decodeURIComponent(urlPath === "/" ? "/index.html" : urlPath)).replace(
    /^(\.\.[/\\])+/,
    "",
  );
  const path = join(dir, relative);
  if (!path.startsWith(dir)) return undefined;
  const contentType = TYPES[extname(path)];
  if (!contentType) return undefined;
  try {
    return { body: await readFile(path), contentType };
  } catch {
    return undefined;
  }
}
