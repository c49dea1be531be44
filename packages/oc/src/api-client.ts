// The HTTP client of the testbed's API server (node:http): typed verbs over Kubernetes paths,
// Status bodies turned into StatusErrors, and an unreachable server into a message that says where
// oc looked and how to start a testbed.
import type { KindInfo, KubeObject, ManifestTarget, ServerAddress } from "@testbed/apimachinery";
import { pathSegmentProblems } from "@testbed/apimachinery";
import { OcError } from "./errors.js";
import { type HttpAnswer, httpRequest } from "./http-request.js";

export interface Status {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; group?: string; causes?: Array<{ field?: string; message?: string }> };
}

export class StatusError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? "unknown error");
  }

  get reason(): string {
    return this.status.reason ?? "Unknown";
  }
}

export class ServerUnreachableError extends Error {
  constructor(
    readonly address: ServerAddress,
    cause: string,
  ) {
    super(
      // kubectl's sentence as it prints it, then the testbed's hint on a line of its own.
      `The connection to the server ${hostOf(address.url)} was refused - did you specify the right host or port?\n` +
        `(${cause}) Is the testbed running? Start it with \`npx testbed up\` (server address from ${describeSource(address)}).`,
    );
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function describeSource(address: ServerAddress): string {
  return { flag: "--server", env: "$TESTBED_SERVER", file: "the testbed's server file" }[address.source];
}

export type PatchKind = "json" | "merge" | "strategic";

const PATCH_CONTENT_TYPES: Record<PatchKind, string> = {
  json: "application/json-patch+json",
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
};

export class ApiClient {
  constructor(readonly address: ServerAddress) {}

  async list(info: KindInfo, namespace: string | undefined, selector?: string): Promise<KubeObject[]> {
    const query = selector ? `?labelSelector=${encodeURIComponent(selector)}` : "";
    const list = (await this.json("GET", `${this.collection(info, namespace)}${query}`)) as { items?: KubeObject[] };
    return list.items ?? [];
  }

  async get(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.json("GET", this.object(info, namespace, name))) as KubeObject;
  }

  /** Like get, but NotFound is undefined. */
  async find(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(info, namespace, name);
    } catch (error) {
      if (error instanceof StatusError && error.reason === "NotFound") return undefined;
      throw error;
    }
  }

  async create(info: KindInfo, object: KubeObject): Promise<KubeObject> {
    const path = this.collection(info, object.metadata.namespace, versionOf(object));
    return (await this.json("POST", path, JSON.stringify(object))) as KubeObject;
  }

  async update(info: KindInfo, object: KubeObject): Promise<KubeObject> {
    const path = this.object(info, object.metadata.namespace, object.metadata.name, versionOf(object));
    return (await this.json("PUT", path, JSON.stringify(object))) as KubeObject;
  }

  async patch(info: KindInfo, namespace: string | undefined, name: string, kind: PatchKind, body: string) {
    return (await this.json(
      "PATCH",
      this.object(info, namespace, name),
      body,
      PATCH_CONTENT_TYPES[kind],
    )) as KubeObject;
  }

  async delete(info: KindInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    return (await this.json("DELETE", this.object(info, namespace, name))) as KubeObject;
  }

  /** The raw log response: text, or a stream when following. */
  async logs(namespace: string, pod: string, options: { container?: string; tail?: number; follow?: boolean }) {
    const query = new URLSearchParams();
    if (options.container) query.set("container", options.container);
    if (options.tail !== undefined) query.set("tailLines", String(options.tail));
    if (options.follow) query.set("follow", "true");
    const response = await this.send("GET", `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/log?${query}`);
    if (!response.ok) throw new StatusError(await statusOf(response));
    return response;
  }

  async exec(namespace: string, pod: string, container: string | undefined, command: string[]) {
    const body = JSON.stringify({ container, command });
    const path = `/api/v1/namespaces/${enc(namespace)}/pods/${enc(pod)}/exec`;
    return (await this.json("POST", path, body)) as { stdout: string; stderr: string; exitCode: number };
  }

  /** apply/create through this server. */
  target(): ManifestTarget {
    return {
      get: (info, namespace, name) => this.find(info, namespace, name),
      create: (info, object) => this.create(info, object),
      update: (info, object) => this.update(info, object),
    };
  }

  private collection(info: KindInfo, namespace: string | undefined, version = info.versions[0]): string {
    const base = info.group === "" ? `/api/${version}` : `/apis/${info.group}/${version}`;
    const scope = info.namespaced && namespace !== undefined ? `/namespaces/${enc(namespace)}` : "";
    return `${base}${scope}/${info.plural}`;
  }

  private object(info: KindInfo, namespace: string | undefined, name: string, version?: string): string {
    return `${this.collection(info, namespace, version)}/${enc(name)}`;
  }

  private async json(method: string, path: string, body?: string, contentType = "application/json") {
    const response = await this.send(method, path, body, contentType);
    if (!response.ok) throw new StatusError(await statusOf(response));
    return response.json() as Promise<unknown>;
  }

  private async send(method: string, path: string, body?: string, contentType = "application/json") {
    const url = `${this.address.url.replace(/\/+$/, "")}${path}`;
    try {
      const headers: Record<string, string> =
        body === undefined ? { accept: "application/json" } : { "content-type": contentType };
      if (this.address.token) headers.authorization = `Bearer ${this.address.token}`;
      return await httpRequest(url, method, headers, body, this.address.ca);
    } catch (error) {
      throw new ServerUnreachableError(this.address, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
    }
  }
}

async function statusOf(response: HttpAnswer): Promise<Status> {
  const text = await response.text();
  try {
    const parsed = JSON.parse(text) as Status;
    if (parsed && parsed.kind === "Status") return parsed;
  } catch {
    // Not a Status: describe the HTTP answer instead.
  }
  return { message: `the server responded with ${response.status}: ${text.slice(0, 200)}`, code: response.status };
}

function versionOf(object: KubeObject): string | undefined {
  const apiVersion = object.apiVersion ?? "";
  const slash = apiVersion.lastIndexOf("/");
  return apiVersion === "" ? undefined : apiVersion.slice(slash + 1);
}

/** A name or namespace as one path segment; `.`, `..`, `/` and `%` are refused as client-go refuses them. */
function enc(segment: string): string {
  const problems = pathSegmentProblems(segment);
  if (problems.length > 0) {
    throw new OcError(`invalid resource name ${JSON.stringify(segment)}: [${problems.join(" ")}]`);
  }
  return encodeURIComponent(segment);
}
