// Which methods each path answers, so that a known path with the wrong method gets Starlette's 405
// (with its Allow header) instead of a 404, as vLLM's FastAPI router does.
import type { FastifyInstance } from "fastify";

export class RouteTable {
  private readonly methods = new Map<string, Set<string>>();

  /** Record every route the app registers from now on. */
  watch(app: FastifyInstance): void {
    app.addHook("onRoute", (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const known = this.methods.get(route.url) ?? new Set<string>();
      for (const method of methods) known.add(method);
      this.methods.set(route.url, known);
    });
  }

  /** The Allow header for a path (Starlette adds HEAD to every GET route), or undefined for an unknown path. */
  allowFor(url: string): string | undefined {
    const path = url.split("?", 1)[0] ?? url;
    const known = this.methods.get(path);
    if (!known) return undefined;
    const methods = [...known];
    if (known.has("GET") && !known.has("HEAD")) methods.push("HEAD");
    return methods.join(", ");
  }
}
