// kubectl apply against the API server, judged by the real kubectl: /openapi (so apply validates on
// the server), client-side apply's last-applied annotation with strategic merge patches (a label or
// container removed from the manifest is removed), and server-side apply with field ownership
// (a conflict is a 409 until --force-conflicts).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { ObjectStore } from "../src/store/object-store.js";
import { kubeconfigFor, runClient } from "./real-kubectl.js";

const store = new ObjectStore();
let server: ApiServerHandle;
let kubeconfig: string;
const folder = mkdtempSync(join(tmpdir(), "testbed-apply-"));

function manifest(name: string, options: { labels: string; replicas: number; containers: string }): string {
  const file = join(folder, name);
  writeFileSync(
    file,
    `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {${options.labels}}
spec:
  replicas: ${options.replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
${options.containers}
`,
  );
  return file;
}

const MAIN = `      - name: main
        image: vllm:1
        env: [{name: A, value: "1"}, {name: B, value: "2"}]`;
const SIDE = `      - name: side
        image: sidecar:1`;

beforeAll(async () => {
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  server = await startApiServer({ store, port: 0 });
  kubeconfig = kubeconfigFor(server, "unused");
});

afterAll(async () => {
  await server.close();
});

const kubectl = (...args: string[]) => runClient("kubectl", kubeconfig, args);
const live = () => store.require("apps/Deployment", "default", "web");

describe.skipIf(realClientMissing("kubectl"))("kubectl apply", () => {
  it("creates, then removes what the manifest no longer has (label, container, env entry)", async () => {
    const first = manifest("first.yaml", {
      labels: "app: web, tier: front",
      replicas: 1,
      containers: `${MAIN}\n${SIDE}`,
    });
    expect(await kubectl("apply", "-f", first)).toMatchObject({ code: 0, stdout: "deployment.apps/web created\n" });
    expect(live().metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"]).toContain(
      '"tier":"front"',
    );

    const second = manifest("second.yaml", {
      labels: "app: web",
      replicas: 1,
      containers: `      - name: main\n        image: vllm:2\n        env: [{name: A, value: "1"}]`,
    });
    expect(await kubectl("apply", "-f", second)).toMatchObject({ code: 0, stdout: "deployment.apps/web configured\n" });
    expect(live().metadata.labels).toEqual({ app: "web" });
    expect(live().spec.template.spec.containers).toEqual([
      { name: "main", image: "vllm:2", env: [{ name: "A", value: "1" }] },
    ]);
    expect((await kubectl("apply", "-f", second)).stdout).toBe("deployment.apps/web unchanged\n");
  });

  it("merges a strategic patch's container by name, keeping the other fields", async () => {
    const patch = JSON.stringify({ spec: { template: { spec: { containers: [{ name: "main", image: "vllm:3" }] } } } });
    expect((await kubectl("patch", "deployment", "web", "-p", patch)).code).toBe(0);
    expect(live().spec.template.spec.containers).toEqual([
      { name: "main", image: "vllm:3", env: [{ name: "A", value: "1" }] },
    ]);
  });

  it("server-side: a field kubectl-client-side-apply owns with another value is a conflict, until forced", async () => {
    const changed = manifest("server-side.yaml", {
      labels: "app: web",
      replicas: 3,
      containers: `      - name: main\n        image: vllm:3`,
    });
    const refused = await kubectl("apply", "--server-side", "-f", changed);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(live().spec.replicas).toBe(1);

    const forced = await kubectl("apply", "--server-side", "--force-conflicts", "-f", changed);
    expect(forced).toMatchObject({ code: 0, stdout: "deployment.apps/web serverside-applied\n" });
    expect(live().spec.replicas).toBe(3);
    const managers = (live().metadata.managedFields as Array<{ manager: string; operation: string }>).map(
      (entry) => `${entry.manager}/${entry.operation}`,
    );
    expect(managers).toContain("kubectl/Apply");
  });

  it("server-side: a field the manager stops applying is removed", async () => {
    const first = manifest("ssa-1.yaml", {
      labels: "app: web, extra: added",
      replicas: 3,
      containers: `      - name: main\n        image: vllm:3`,
    });
    expect((await kubectl("apply", "--server-side", "--force-conflicts", "-f", first)).code).toBe(0);
    expect(live().metadata.labels?.extra).toBe("added");
    const second = manifest("ssa-2.yaml", {
      labels: "app: web",
      replicas: 3,
      containers: `      - name: main\n        image: vllm:3`,
    });
    expect((await kubectl("apply", "--server-side", "-f", second)).code).toBe(0);
    expect(live().metadata.labels?.extra).toBeUndefined();
  });

  it("serves /openapi/v3 with the built-in kinds' merge keys", async () => {
    const raw = await kubectl("get", "--raw", "/openapi/v3/api/v1");
    const schemas = JSON.parse(raw.stdout).components.schemas;
    expect(schemas["io.k8s.api.core.v1.PodSpec"].properties.containers).toMatchObject({
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    });
  });
});
