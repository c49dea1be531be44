// The real helm 4 against the API server: `helm install` of a small chart (server-side apply, the
// release kept in a Secret), an upgrade, `helm list`, and `helm uninstall` removing it all.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { createApiServingCert } from "../src/api/api-serving-cert.js";
import { ObjectStore } from "../src/store/object-store.js";
import { helmClient, kubeconfigFor } from "./real-kubectl.js";

const CHART = fileURLToPath(new URL("../../../test/fixtures/charts/hello", import.meta.url));
const TOKEN = "helm-token";
const store = new ObjectStore();
let server: ApiServerHandle;
let kubeconfig: string;

beforeAll(async () => {
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  server = await startApiServer({ store, port: 0, token: TOKEN, tls: await createApiServingCert("127.0.0.1") });
  kubeconfig = kubeconfigFor(server, TOKEN);
  helm = helmClient(kubeconfig);
});

afterAll(async () => {
  await server.close();
});

let helm: ReturnType<typeof helmClient>;
const releaseSecrets = () =>
  store.list("Secret", { namespace: "default" }).filter((s) => s.metadata.labels?.owner === "helm");

describe.skipIf(realClientMissing("helm"))("the real helm 4", () => {
  it("installs a chart with server-side apply and keeps the release in a Secret", async () => {
    const run = await helm("install", "demo", CHART);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("STATUS: deployed");
    expect(store.require("ConfigMap", "default", "demo-settings").data).toEqual({ greeting: "hello" });
    const managers = (store.require("apps/Deployment", "default", "demo-web").metadata.managedFields ?? []) as Array<{
      manager: string;
      operation: string;
    }>;
    expect(managers.map((m) => `${m.manager}/${m.operation}`)).toContain("helm/Apply");
    expect(releaseSecrets().map((s) => s.metadata.name)).toEqual(["sh.helm.release.v1.demo.v1"]);
  });

  it("upgrades with new values and lists the release", async () => {
    const run = await helm("upgrade", "demo", CHART, "--set", "greeting=bonjour");
    expect(run.code).toBe(0);
    expect(store.require("ConfigMap", "default", "demo-settings").data).toEqual({ greeting: "bonjour" });
    const list = await helm("list", "-o", "json");
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: "demo", revision: "2", status: "deployed" }]);
  });

  it("uninstalls: the chart's objects and the release Secrets are gone", async () => {
    const run = await helm("uninstall", "demo");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('release "demo" uninstalled');
    expect(store.get("ConfigMap", "default", "demo-settings")).toBeUndefined();
    expect(store.get("apps/Deployment", "default", "demo-web")).toBeUndefined();
    expect(store.get("Service", "default", "demo-web")).toBeUndefined();
    expect(releaseSecrets()).toEqual([]);
  });
});
