import type { PodView } from "./scrape-targets.js";

/** Every pod in every namespace, as the API server lists them (GET /api/v1/pods). */
export async function fetchPods(apiUrl: string): Promise<PodView[]> {
  const response = await fetch(new URL("/api/v1/pods", apiUrl));
  if (!response.ok) throw new Error(`GET /api/v1/pods: ${response.status} ${await response.text()}`);
  const list = (await response.json()) as { items?: PodView[] };
  return list.items ?? [];
}
