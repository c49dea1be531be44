// The API server requires the kubeconfig's bearer token: the real kubectl with it reads, without it
// gets 401; the health and version endpoints stay open.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { createApiServingCert } from "../src/api/api-serving-cert.js";
import { ObjectStore } from "../src/store/object-store.js";
import { httpsGet, kubeconfigFor, runClient } from "./real-kubectl.js";

const TOKEN = "test-token-0123456789";
const store = new ObjectStore();
let server: ApiServerHandle;

beforeAll(async () => {
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  store.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "default" } });
  server = await startApiServer({ store, port: 0, token: TOKEN, tls: await createApiServingCert("127.0.0.1") });
});

afterAll(async () => {
  await server.close();
});

describe("bearer token", () => {
  it("answers a request without it with kube-apiserver's 401 Status", async () => {
    expect(server.url).toMatch(/^https:/);
    const response = await httpsGet(server, "/api/v1/namespaces");
    expect(response.status).toBe(401);
    expect(JSON.parse(response.text)).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("answers a wrong token with 401 and the right one with the list", async () => {
    expect((await httpsGet(server, "/api/v1/namespaces", "nope")).status).toBe(401);
    expect((await httpsGet(server, "/api/v1/namespaces", TOKEN)).status).toBe(200);
  });

  it("leaves /version and /healthz open", async () => {
    expect((await httpsGet(server, "/version")).status).toBe(200);
    expect((await httpsGet(server, "/healthz")).status).toBe(200);
  });
});

describe.skipIf(realClientMissing("kubectl"))("the real kubectl", () => {
  it("reads with the kubeconfig's token", async () => {
    const run = await runClient("kubectl", kubeconfigFor(server, TOKEN), [
      "get",
      "configmap",
      "settings",
      "-o",
      "name",
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe("configmap/settings\n");
  });

  it("is refused without it, as kubectl words a 401", async () => {
    const run = await runClient("kubectl", kubeconfigFor(server, "wrong"), ["get", "configmap", "settings"]);
    expect(run.code).not.toBe(0);
    // The Status's message in kubectl's sentence, as against kube-apiserver with a revoked token.
    expect(run.stderr).toContain("error: You must be logged in to the server (Unauthorized)");
  });
});
