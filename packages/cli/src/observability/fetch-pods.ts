// The pods Prometheus scrapes, read once from the testbed's API server (HTTPS with its own CA and a
// bearer token when `testbed up` runs it).
import type { PodView } from "./scrape-targets.js";

/** Every pod in every namespace, as the API server lists them (GET /api/v1/pods). */
export async function fetchPods(apiUrl: string, token?: string, ca?: string): Promise<PodView[]> {
  const target = new URL("/api/v1/pods", apiUrl);
  const { request } = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request(target, { headers, agent: false, ...(ca ? { ca } : {}) }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      incoming.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
  if (status !== 200) throw new Error(`GET /api/v1/pods: ${status} ${text}`);
  const list = JSON.parse(text) as { items?: PodView[] };
  return list.items ?? [];
}
