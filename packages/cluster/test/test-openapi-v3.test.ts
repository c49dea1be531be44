import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { ObjectStore } from "../src/store/object-store.js";

// /openapi/v3 as kube-openapi's handler3 serves it: the index names each group/version's document
// with `?hash=` of that document (computeETag: fmt.Sprintf("%X", sha512.Sum512(json))), the same
// hash the document's Etag carries; an outdated hash is redirected to the current URL.
let server: ApiServerHandle;

beforeAll(async () => {
  server = await startApiServer({ store: new ObjectStore(), port: 0 });
});
afterAll(async () => {
  await server.close();
});

async function indexEntry(path: string): Promise<string> {
  const index = (await (await fetch(`${server.url}/openapi/v3`)).json()) as {
    paths: Record<string, { serverRelativeURL: string }>;
  };
  return index.paths[path]?.serverRelativeURL as string;
}

describe("the /openapi/v3 index and documents", () => {
  it("hash each document as the upper-case hex SHA-512 of the JSON served, in the index and the Etag", async () => {
    const url = await indexEntry("apis/apps/v1");
    const hash = new URL(url, server.url).searchParams.get("hash");
    expect(hash).toMatch(/^[0-9A-F]{128}$/);
    const response = await fetch(`${server.url}${url}`);
    const body = await response.text();
    expect(createHash("sha512").update(body).digest("hex").toUpperCase()).toBe(hash);
    expect(response.headers.get("etag")).toBe(`"${hash}"`);
    expect(response.headers.get("cache-control")).toBe("public, immutable");
  });

  it("redirect a hash that is not the document's to the document's current URL", async () => {
    const current = await indexEntry("api/v1");
    const response = await fetch(`${server.url}/openapi/v3/api/v1?hash=0123`, { redirect: "manual" });
    expect(response.status).toBe(301);
    expect(response.headers.get("location")).toBe(current);
  });
});
