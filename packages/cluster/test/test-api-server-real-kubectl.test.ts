// The API server as the real kubectl (and client-go's HTTP contract) sees it, on a bare store: watch
// and resourceVersion semantics, field selectors, dry runs that store nothing, the real server's
// answers to bad names, paths, patches and labels, health, discovery and content negotiation.
import { request as httpRequest } from "node:http";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type RealKubectl, realKubectl } from "../../../test/real-kubectl.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { ObjectStore } from "../src/store/object-store.js";

let store: ObjectStore;
let server: ApiServerHandle;
let kubectl: RealKubectl;
let namespace = "";
let counter = 0;

const json = (body: unknown) => JSON.stringify(body);

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : json(body) }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: a watch stream or text
  }
  return { status: response.status, body: parsed as Record<string, unknown>, text };
}

function rawRequest(method: string, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

function deployment(name: string, replicas = 1) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "main", image: "web:1" }] } },
    },
  };
}

function configMap(name: string, data: Record<string, string> = { a: "b" }) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace }, data };
}

beforeAll(async () => {
  store = new ObjectStore();
  server = await startApiServer({ store, port: 0 });
  kubectl = realKubectl(server.url);
});
afterAll(async () => {
  kubectl?.dispose();
  await server?.close();
});
beforeEach(() => {
  counter += 1;
  namespace = `t${counter}`;
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
});

describe("watch and resourceVersion", () => {
  it("a list answers with the store's resourceVersion, not its newest item's", async () => {
    store.create(configMap("one"));
    store.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "later", namespace }, data: {} });
    const list = await call("GET", `/api/v1/namespaces/${namespace}/configmaps`);
    expect((list.body.metadata as { resourceVersion: string }).resourceVersion).toBe(store.resourceVersion);
    expect(store.peek("ConfigMap", namespace, "one")?.metadata.resourceVersion).not.toBe(store.resourceVersion);
  });

  it("?watch=1 from a list's version streams only later changes, and timeoutSeconds ends it", async () => {
    store.create(configMap("before"));
    const from = store.resourceVersion;
    store.create(configMap("after"));
    store.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "other-kind", namespace }, data: {} });
    await store.settled();
    const watch = await call(
      "GET",
      `/api/v1/namespaces/${namespace}/configmaps?watch=1&resourceVersion=${from}&timeoutSeconds=1`,
    );
    const events = watch.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED after"]);
    expect(events[0].object.apiVersion).toBe("v1");
  });

  it("a version older than the watch window gets the ERROR event with 410 Expired", async () => {
    const small = new ObjectStore();
    const windowed = await startApiServer({ store: small, port: 0, watchWindow: 2 });
    try {
      for (const name of ["a", "b", "c", "d"])
        small.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      await small.settled();
      const response = await fetch(`${windowed.url}/api/v1/namespaces?watch=true&resourceVersion=1&timeoutSeconds=1`);
      expect(response.status).toBe(200);
      const [event] = (await response.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line));
      expect(event).toMatchObject({
        type: "ERROR",
        object: { kind: "Status", reason: "Expired", code: 410, message: "too old resource version: 1 (2)" },
      });
      const invalid = await fetch(`${windowed.url}/api/v1/namespaces?watch=true&resourceVersion=-5`);
      expect(invalid.status).toBe(400);
      const recent = await fetch(`${windowed.url}/api/v1/namespaces?watch=true&resourceVersion=3&timeoutSeconds=1`);
      const names = (await recent.text())
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line).object.metadata.name);
      expect(names).toEqual(["d"]);
    } finally {
      await windowed.close();
    }
  });

  it("kubectl get -w -l: an object that stops matching is DELETED, one that starts matching ADDED", async () => {
    const relabel = (team: string) =>
      call(
        "PATCH",
        `/api/v1/namespaces/${namespace}/configmaps/one`,
        { metadata: { labels: { team } } },
        {
          "content-type": "application/merge-patch+json",
        },
      );
    store.create({ ...configMap("one"), metadata: { name: "one", namespace, labels: { team: "a" } } });
    const watch = kubectl.start("get", "configmaps", "-n", namespace, "-l", "team=a", "-w", "--output-watch-events");
    const events = () =>
      watch
        .output()
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(/\s+/).slice(0, 2).join(" "));
    try {
      await eventually(() => expect(events()).toEqual(["ADDED one"]), { timeoutMs: 10_000 });
      expect((await relabel("b")).status).toBe(200);
      await eventually(() => expect(events()).toEqual(["ADDED one", "DELETED one"]), { timeoutMs: 10_000 });
      expect((await relabel("b")).status).toBe(200); // matched neither before nor after: nothing
      expect((await relabel("a")).status).toBe(200);
      await eventually(() => expect(events()).toEqual(["ADDED one", "DELETED one", "ADDED one"]), {
        timeoutMs: 10_000,
      });
      const note = { metadata: { annotations: { note: "x" } } };
      await call("PATCH", `/api/v1/namespaces/${namespace}/configmaps/one`, note, {
        "content-type": "application/merge-patch+json",
      });
      await eventually(() => expect(events().at(-1)).toBe("MODIFIED one"), { timeoutMs: 10_000 });
    } finally {
      watch.stop();
    }
  });

  it("a DELETED for a selector carries the object as it last matched; a replay from a version sees the same", async () => {
    store.create({ ...configMap("two"), metadata: { name: "two", namespace, labels: { team: "a" } } });
    const from = store.resourceVersion;
    store.update({ ...configMap("two"), metadata: { name: "two", namespace, labels: { team: "b" } } });
    await store.settled();
    const watch = await call(
      "GET",
      `/api/v1/namespaces/${namespace}/configmaps?watch=1&labelSelector=team%3Da&resourceVersion=${from}&timeoutSeconds=1`,
    );
    const events = watch.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; object: { metadata: { labels: Record<string, string> } } });
    expect(events.map((e) => [e.type, e.object.metadata.labels.team])).toEqual([["DELETED", "a"]]);
  });

  it("sendInitialEvents replays the objects and ends them with the initial-events-end bookmark", async () => {
    store.create(configMap("present"));
    const watch = await call(
      "GET",
      `/api/v1/namespaces/${namespace}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`,
    );
    const events = watch.text
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(["ADDED", "BOOKMARK"]);
    expect(events[1].object).toEqual({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { resourceVersion: store.resourceVersion, annotations: { "k8s.io/initial-events-end": "true" } },
    });
  });
});

describe("field selectors", () => {
  it("select by name and namespace; unsupported fields are refused in the real server's words", async () => {
    store.create(configMap("a"));
    store.create(configMap("b"));
    const one = await call(
      "GET",
      `/api/v1/configmaps?fieldSelector=metadata.name%3Db,metadata.namespace%3D${namespace}`,
    );
    expect((one.body.items as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name)).toEqual(["b"]);
    const bad = await call("GET", `/api/v1/namespaces/${namespace}/pods?fieldSelector=spec.foo%3Dx`);
    expect(bad).toMatchObject({
      status: 400,
      body: { reason: "BadRequest", message: "field label not supported: spec.foo" },
    });
  });

  it.skipIf(realClientMissing("kubectl"))(
    "kubectl rollout status follows the named Deployment, not another one",
    async () => {
      store.create(deployment("done"));
      store.create(deployment("pending"));
      const complete = {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      };
      store.updateStatus("apps/Deployment", namespace, "done", complete);
      store.updateStatus("apps/Deployment", namespace, "pending", { observedGeneration: 1, replicas: 1 });
      const waiting = await kubectl.run("rollout", "status", "deploy/pending", "-n", namespace, "--timeout=1s");
      expect(waiting.code).toBe(1);
      expect(waiting.out).toContain(
        'Waiting for deployment "pending" rollout to finish: 0 out of 1 new replicas have been updated...',
      );
      const done = await kubectl.run("rollout", "status", "deploy/done", "-n", namespace, "--timeout=5s");
      expect(done).toMatchObject({ code: 0, out: 'deployment "done" successfully rolled out\n' });
    },
  );
});

describe.skipIf(realClientMissing("kubectl"))("dry runs store nothing", () => {
  it("create, update, patch and delete with dryRun=All answer as the write would and change nothing", async () => {
    const created = await call("POST", `/api/v1/namespaces/${namespace}/configmaps?dryRun=All`, configMap("ghost"));
    expect(created.status).toBe(201);
    expect(store.peek("ConfigMap", namespace, "ghost")).toBeUndefined();
    store.create(configMap("real"));
    const before = store.resourceVersion;
    const patched = await call(
      "PATCH",
      `/api/v1/namespaces/${namespace}/configmaps/real?dryRun=All`,
      { data: { a: "changed" } },
      { "content-type": "application/merge-patch+json" },
    );
    expect((patched.body.data as Record<string, string>).a).toBe("changed");
    const replaced = await call(
      "PUT",
      `/api/v1/namespaces/${namespace}/configmaps/real?dryRun=All`,
      configMap("real", { z: "1" }),
    );
    expect(replaced.status).toBe(200);
    const deleted = await call("DELETE", `/api/v1/namespaces/${namespace}/configmaps/real?dryRun=All`);
    expect(deleted.status).toBe(200);
    expect(store.peek("ConfigMap", namespace, "real")?.data).toEqual({ a: "b" });
    expect(store.resourceVersion).toBe(before);
    const wrong = await call("POST", `/api/v1/namespaces/${namespace}/configmaps?dryRun=Some`, configMap("x"));
    expect(wrong.status).toBe(400);
  });

  it("kubectl create --dry-run=server and delete --dry-run=server leave the cluster as it is", async () => {
    const out = await kubectl.runWithStdin(json(configMap("kept")), "apply", "--validate=false", "-f", "-");
    expect(out.out).toBe("configmap/kept created\n");
    const dryDelete = await kubectl.run("delete", "configmap", "kept", "-n", namespace, "--dry-run=server");
    expect(dryDelete.out).toBe('configmap "kept" deleted (server dry run)\n');
    expect(store.peek("ConfigMap", namespace, "kept")).toBeDefined();
  });
});

describe("bad input gets the real server's answer", () => {
  it("`.`, `..` and encoded slashes are never names: 400, and nothing else is touched", async () => {
    for (const name of ["..", "%2E%2E", ".", "a%2Fb"]) {
      // node:http sends the path as written (fetch would resolve the dot segments itself).
      const answer = await rawRequest("DELETE", `/api/v1/namespaces/${namespace}/configmaps/${name}`);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text).message).toMatch(/^Name parameter invalid: ".*": may not (be|contain) '/);
    }
    expect(store.peek("Namespace", undefined, namespace)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("names follow RFC 1123 per kind (Services: DNS-1035 labels)", async () => {
    const bad = await call("POST", `/api/v1/namespaces/${namespace}/configmaps`, configMap("Bad_Name"));
    expect(bad.status).toBe(422);
    expect(bad.body.message).toContain(
      'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of',
    );
    const service = await call("POST", `/api/v1/namespaces/${namespace}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "1svc", namespace },
      spec: { ports: [{ port: 80 }] },
    });
    expect(service.status).toBe(422);
    expect(service.body.message).toContain("a DNS-1035 label must consist of lower case alphanumeric characters");
  });

  it("label keys and values are checked (63 characters, charset)", async () => {
    const long = "x".repeat(64);
    const object = {
      ...configMap("labelled"),
      metadata: { name: "labelled", namespace, labels: { ok: long, "a b": "v" } },
    };
    const answer = await call("POST", `/api/v1/namespaces/${namespace}/configmaps`, object);
    expect(answer.status).toBe(422);
    const causes = (answer.body.details as { causes: Array<{ message: string }> }).causes.map((c) => c.message);
    expect(causes).toContain(`Invalid value: "${long}": must be no more than 63 characters`);
    expect(causes.some((m) => m.startsWith('Invalid value: "a b": name part must consist of'))).toBe(true);
  });

  it("an object over etcd's 1.5 MiB is refused; a body over 3 MiB is 413", async () => {
    const big = await call(
      "POST",
      `/api/v1/namespaces/${namespace}/configmaps`,
      configMap("big", { a: "x".repeat(1_600_000) }),
    );
    expect(big).toMatchObject({ status: 500, body: { message: "etcdserver: request is too large" } });
    const huge = await call(
      "POST",
      `/api/v1/namespaces/${namespace}/configmaps`,
      configMap("huge", { a: "x".repeat(3_200_000) }),
    );
    expect(huge.status).toBe(413);
    expect(store.peek("ConfigMap", namespace, "big")).toBeUndefined();
  });

  it("a stale resourceVersion conflicts (409) instead of overwriting", async () => {
    const created = store.create(configMap("versioned"));
    store.update({ ...created, data: { a: "newer" } });
    const stale = await call("PUT", `/api/v1/namespaces/${namespace}/configmaps/versioned`, {
      ...configMap("versioned", { a: "stale" }),
      metadata: { name: "versioned", namespace, resourceVersion: created.metadata.resourceVersion },
    });
    expect(stale).toMatchObject({ status: 409, body: { reason: "Conflict" } });
    expect(store.peek("ConfigMap", namespace, "versioned")?.data).toEqual({ a: "newer" });
  });

  it("patches that remove metadata are 422, not 500", async () => {
    store.create(configMap("kept"));
    const json = await call(
      "PATCH",
      `/api/v1/namespaces/${namespace}/configmaps/kept`,
      [{ op: "remove", path: "/metadata" }],
      {
        "content-type": "application/json-patch+json",
      },
    );
    const merge = await call(
      "PATCH",
      `/api/v1/namespaces/${namespace}/configmaps/kept`,
      { metadata: null },
      {
        "content-type": "application/merge-patch+json",
      },
    );
    for (const answer of [json, merge]) expect(answer).toMatchObject({ status: 422, body: { reason: "Invalid" } });
  });

  it("kubectl create namespace|configmap send protobuf: decoded and stored, as the real server does", async () => {
    const created = await kubectl.run("create", "namespace", `made-by-kubectl-${++counter}`);
    expect(created).toMatchObject({ code: 0, out: `namespace/made-by-kubectl-${counter} created\n` });
    expect(store.get("Namespace", undefined, `made-by-kubectl-${counter}`)).toBeDefined();
    const map = await kubectl.run("create", "configmap", "from-literal", "-n", namespace, "--from-literal=k=v");
    expect(map.code).toBe(0);
    expect(store.get("ConfigMap", namespace, "from-literal")?.data).toEqual({ k: "v" });
  });

  it("kubectl create deployment|service|serviceaccount send protobuf; expose and run send JSON", async () => {
    const run = (...args: string[]) => kubectl.run("-n", namespace, ...args);
    expect(await run("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")).toMatchObject({
      code: 0,
      out: "deployment.apps/web created\n",
    });
    const deployment = store.get("apps/Deployment", namespace, "web");
    expect(deployment?.spec).toMatchObject({
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }], resources: {} }] },
      },
    });
    expect(await run("expose", "deployment", "web", "--port=8080", "--target-port=80")).toMatchObject({
      code: 0,
      out: "service/web exposed\n",
    });
    expect(store.get("Service", namespace, "web")?.spec).toMatchObject({
      selector: { app: "web" },
      ports: [{ port: 8080, targetPort: 80, protocol: "TCP" }],
    });
    expect((await run("create", "service", "clusterip", "named", "--tcp=80:http")).code).toBe(0);
    expect(store.get("Service", namespace, "named")?.spec).toMatchObject({
      type: "ClusterIP",
      ports: [{ name: "80-http", port: 80, targetPort: "http" }],
    });
    expect(await run("create", "serviceaccount", "robot")).toMatchObject({
      code: 0,
      out: "serviceaccount/robot created\n",
    });
    expect(store.get("ServiceAccount", namespace, "robot")?.metadata.name).toBe("robot");
    expect(await run("run", "once", "--image=busybox", "--restart=Never", "--", "echo", "hi")).toMatchObject({
      code: 0,
      out: "pod/once created\n",
    });
    expect(store.get("Pod", namespace, "once")?.spec).toMatchObject({
      restartPolicy: "Never",
      containers: [{ name: "once", image: "busybox", args: ["echo", "hi"] }],
    });
  });

  it("protobuf: a custom resource's body is 415, a body without the envelope 400; Accept of protobuf only is 406", async () => {
    const protobuf = { "content-type": "application/vnd.kubernetes.protobuf" };
    const custom = await call(
      "POST",
      `/apis/kuadrant.io/v1/namespaces/${namespace}/authpolicies`,
      "k8s\u0000",
      protobuf,
    );
    expect(custom).toMatchObject({
      status: 415,
      body: {
        reason: "UnsupportedMediaType",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml",
      },
    });
    const bare = await call("POST", `/api/v1/namespaces/${namespace}/configmaps`, "{}", protobuf);
    expect(bare).toMatchObject({
      status: 400,
      body: {
        reason: "BadRequest",
        message:
          "the object provided is unrecognized (must be of type ConfigMap): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (7b7d)",
      },
    });
    expect(store.list("ConfigMap", { namespace })).toEqual([]);
    const accept = await call("GET", `/api/v1/namespaces/${namespace}/configmaps`, undefined, {
      accept: "application/vnd.kubernetes.protobuf",
    });
    expect(accept.status).toBe(406);
  });
});

describe("paged lists (limit and continue)", () => {
  type Page = {
    metadata: { continue?: string; remainingItemCount?: number; resourceVersion: string };
    items: { metadata: { name: string } }[];
  };
  const names = (page: Page) => page.items.map((item) => item.metadata.name);
  const list = async (query: string) => {
    const answer = await call("GET", `/api/v1/namespaces/${namespace}/configmaps?${query}`);
    return { status: answer.status, page: answer.body as unknown as Page, body: answer.body };
  };

  it("pages in name order at the first page's version: later writes are not seen, later deletes still are", async () => {
    for (const name of ["e", "c", "a", "d", "b"]) store.create(configMap(name));
    const first = await list("limit=2");
    expect(names(first.page)).toEqual(["a", "b"]);
    expect(first.page.metadata).toMatchObject({ remainingItemCount: 3, resourceVersion: store.resourceVersion });
    const token = JSON.parse(Buffer.from(first.page.metadata.continue ?? "", "base64url").toString());
    expect(token).toEqual({ v: "meta.k8s.io/v1", rv: Number(store.resourceVersion), start: "b\u0000" });
    store.create(configMap("bb"));
    store.delete("ConfigMap", namespace, "c");
    const second = await list(`limit=2&continue=${first.page.metadata.continue}`);
    expect(names(second.page)).toEqual(["c", "d"]);
    expect(second.page.metadata.resourceVersion).toBe(first.page.metadata.resourceVersion);
    const third = await list(`limit=2&continue=${second.page.metadata.continue}`);
    expect(names(third.page)).toEqual(["e"]);
    expect(third.page.metadata.continue).toBeUndefined();
    expect(names((await list("")).page)).toEqual(["a", "b", "bb", "d", "e"]);
  });

  it("a selector leaves remainingItemCount out; resourceVersion=0 ignores limit (the watch cache answers)", async () => {
    for (const name of ["a", "b", "c"])
      store.create({ ...configMap(name), metadata: { name, namespace, labels: { x: "1" } } });
    const selected = await list("limit=1&labelSelector=x%3D1");
    expect(names(selected.page)).toEqual(["a"]);
    expect(selected.page.metadata.continue).toBeDefined();
    expect(selected.page.metadata.remainingItemCount).toBeUndefined();
    expect(names((await list("limit=1&resourceVersion=0")).page)).toEqual(["a", "b", "c"]);
  });

  it("kubectl get --chunk-size=2 (and the default 500) reads every page", async () => {
    for (const name of ["m1", "m2", "m3", "m4", "m5"]) store.create(configMap(name));
    const chunked = await kubectl.run("get", "configmaps", "-n", namespace, "--chunk-size=2", "-o", "name", "-v=6");
    expect(chunked.code).toBe(0);
    expect(chunked.out.trim().split("\n")).toEqual(["m1", "m2", "m3", "m4", "m5"].map((n) => `configmap/${n}`));
    expect(chunked.err.match(/verb="GET" url="[^"]*configmaps\?continue=[^"]*limit=2"/g)).toHaveLength(2);
    const table = await kubectl.run("get", "configmaps", "-n", namespace, "--chunk-size=2");
    expect(
      table.out
        .trim()
        .split("\n")
        .map((row) => row.split(/\s+/)[0]),
    ).toEqual(["NAME", "m1", "m2", "m3", "m4", "m5"]);
    const whole = await kubectl.run("get", "configmaps", "-n", namespace, "-o", "name");
    expect(whole.out.trim().split("\n")).toHaveLength(5);
  });

  it("a bad token is 400 as storage.DecodeContinue words it; a token with a resourceVersion is 422", async () => {
    const encode = (token: unknown) => Buffer.from(JSON.stringify(token)).toString("base64url");
    expect((await list("continue=%25%25")).body).toMatchObject({
      code: 400,
      message: "invalid continue token: continue key is not valid: illegal base64 data",
    });
    expect((await list(`continue=${encode({ v: "meta.k8s.io/v1", rv: 0, start: "a" })}`)).body).toMatchObject({
      code: 400,
      message:
        "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    });
    expect((await list(`continue=${encode({ v: "meta.k8s.io/v1", rv: 3, start: "../x" })}`)).body).toMatchObject({
      code: 400,
      message: "invalid continue token: continue key is not valid: ../x",
    });
    expect(
      (await list(`continue=${encode({ v: "meta.k8s.io/v1", rv: 3, start: "a" })}&resourceVersion=3`)).status,
    ).toBe(422);
  });

  it("a token older than the window is 410 Expired with a token that goes on at the current version", async () => {
    const small = new ObjectStore();
    const windowed = await startApiServer({ store: small, port: 0, watchWindow: 2 });
    try {
      small.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w" } });
      for (const name of ["a", "b", "c"])
        small.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "w" } });
      type Answer = { metadata: { continue: string }; items: { metadata: { name: string } }[] };
      const get = async (query: string) =>
        (await (await fetch(`${windowed.url}/api/v1/namespaces/w/configmaps?${query}`)).json()) as Answer;
      const first = await get("limit=1");
      for (const name of ["d", "e", "f"])
        small.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "w" } });
      await small.settled();
      const expired = await get(`limit=1&continue=${first.metadata.continue}`);
      expect(expired).toMatchObject({
        kind: "Status",
        code: 410,
        reason: "Expired",
        message: expect.stringMatching(
          /^The provided continue parameter is too old to display a consistent list result\./,
        ),
      });
      const again = JSON.parse(Buffer.from(expired.metadata.continue, "base64url").toString());
      expect(again).toEqual({ v: "meta.k8s.io/v1", rv: -1, start: "a\u0000" });
      const rest = await get(`continue=${expired.metadata.continue}`);
      expect(rest.items.map((item) => item.metadata.name)).toEqual(["b", "c", "d", "e", "f"]);
    } finally {
      await windowed.close();
    }
  });
});

describe("tables, health, discovery", () => {
  it("serves meta.k8s.io Tables (v1 and v1beta1) with includeObject", async () => {
    store.create(configMap("tabled"));
    for (const version of ["v1", "v1beta1"]) {
      const table = await call("GET", `/api/v1/namespaces/${namespace}/configmaps?includeObject=Object`, undefined, {
        accept: `application/json;as=Table;v=${version};g=meta.k8s.io,application/json`,
      });
      expect(table.body).toMatchObject({ kind: "Table", apiVersion: `meta.k8s.io/${version}` });
      const rows = table.body.rows as Array<{ cells: unknown[]; object: { kind: string } }>;
      expect(rows[0]?.cells.slice(0, 2)).toEqual(["tabled", 1]);
      expect(rows[0]?.object.kind).toBe("ConfigMap");
    }
    const none = await call("GET", `/api/v1/namespaces/${namespace}/configmaps/tabled?includeObject=None`, undefined, {
      accept: "application/json;as=Table;v=v1;g=meta.k8s.io",
    });
    expect((none.body.rows as Array<{ object: unknown }>)[0]?.object).toBeNull();
  });

  it("answers /livez, /readyz (verbose) and /version", async () => {
    expect((await call("GET", "/livez")).text).toBe("ok");
    expect((await call("GET", "/readyz?verbose")).text).toMatch(/\[\+\]ping ok\n[\s\S]*readyz check passed\n$/);
    expect((await call("GET", "/version")).body).toMatchObject({ major: "1", minor: "33" });
  });

  it("discovery: subresources carry no short names; `all` lists pods, services, deployments, replicasets", async () => {
    const apps = await call("GET", "/apis/apps/v1");
    const resources = apps.body.resources as Array<{ name: string; shortNames?: string[]; categories?: string[] }>;
    for (const resource of resources.filter((r) => r.name.includes("/"))) expect(resource.shortNames).toBeUndefined();
    expect(resources.find((r) => r.name === "replicasets")).toMatchObject({ shortNames: ["rs"], categories: ["all"] });
    expect(resources.find((r) => r.name === "deployments/scale")).toMatchObject({
      kind: "Scale",
      group: "autoscaling",
    });
  });

  it("kubectl explain walks the built-in kinds' nested types (openapi v3 $refs)", async () => {
    const containers = await kubectl.run("explain", "deployment.spec.template.spec.containers");
    expect(containers.code).toBe(0);
    expect(containers.out).toContain("FIELD: containers <[]Container>");
    expect(containers.out).toMatch(/\n {2}image\t<string>\n/);
    expect(containers.out).toMatch(/\n {2}ports\t<\[\]ContainerPort>\n/);
    const volumes = await kubectl.run("explain", "pods.spec.volumes");
    // VolumeSource is inlined into Volume, as in JSON.
    expect(volumes.out).toMatch(/\n {2}configMap\t<ConfigMapVolumeSource>\n/);
    const port = await kubectl.run("explain", "service.spec.ports.port");
    expect(port.out).toContain("FIELD: port <integer>");
    const recursive = await kubectl.run("explain", "replicaset.spec", "--recursive");
    expect(recursive.out).toMatch(
      /\n {2}selector\t<LabelSelector>\n {4}matchExpressions\t<\[\]LabelSelectorRequirement>\n/,
    );
  });

  it.skipIf(realClientMissing("kubectl"))("kubectl auth can-i, get crd and scale work", async () => {
    expect(await kubectl.run("auth", "can-i", "delete", "pods", "-n", namespace)).toMatchObject({
      code: 0,
      out: "yes\n",
    });
    const crds = await kubectl.run("get", "crd", "gateways.gateway.networking.k8s.io");
    expect(crds.out).toMatch(/^NAME\s+CREATED AT\ngateways\.gateway\.networking\.k8s\.io\s+\d{4}-\d\d-\d\dT/);
    store.create(deployment("scaled"));
    expect(await kubectl.run("scale", "deploy/scaled", "-n", namespace, "--replicas=3")).toMatchObject({
      out: "deployment.apps/scaled scaled\n",
    });
    expect(store.peek("apps/Deployment", namespace, "scaled")?.spec.replicas).toBe(3);
  });
});
