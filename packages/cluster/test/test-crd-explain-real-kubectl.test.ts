// `kubectl explain` on the custom kinds the seed touches, with the real kubectl: their CRDs' structural
// schemas (crd-schemas/) reach /openapi/v3 inline, so explain lists the real CRDs' fields, types,
// required markers and enums instead of an empty open object.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type RealKubectl, realKubectl } from "../../../test/real-kubectl.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { ObjectStore } from "../src/store/object-store.js";

let server: ApiServerHandle;
let kubectl: RealKubectl;

/** The FIELDS block of an explain answer, one `name<TAB><type>[ -required-]` line per field. */
async function fields(...args: string[]): Promise<string[]> {
  const result = await kubectl.run("explain", ...args);
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return result.out
    .split("\n")
    .filter((line) => /^ {2}\S+\t</.test(line))
    .map((line) => line.trim());
}

describe.skipIf(realClientMissing("kubectl"))("kubectl explain on the custom kinds", () => {
  beforeAll(async () => {
    server = await startApiServer({ store: new ObjectStore(), port: 0 });
    kubectl = realKubectl(server.url);
  });
  afterAll(async () => {
    kubectl?.dispose();
    await server?.close();
  });

  it("lists InferencePool's spec in both groups", async () => {
    expect(await fields("inferencepool.spec", "--api-version=inference.networking.k8s.io/v1")).toEqual([
      "endpointPickerRef\t<Object> -required-",
      "selector\t<Object> -required-",
      "targetPorts\t<[]Object> -required-",
    ]);
    expect(await fields("inferencepool.spec", "--api-version=inference.networking.x-k8s.io/v1alpha2")).toEqual([
      "extensionRef\t<Object> -required-",
      "selector\t<map[string]string> -required-",
      "targetPortNumber\t<integer> -required-",
    ]);
    const failureMode = await kubectl.run(
      "explain",
      "inferencepool.spec.endpointPickerRef.failureMode",
      "--api-version=inference.networking.k8s.io/v1",
    );
    expect(failureMode.out).toContain("FIELD: failureMode <string>");
    expect(failureMode.out).toContain("ENUM:\n    FailOpen\n    FailClose");
  });

  it("lists LLMInferenceService's spec recursively, down to the embedded HTTPRoute and pool specs", async () => {
    const result = await kubectl.run("explain", "llminferenceservice.spec", "--recursive");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\n {2}model\t<Object>\n {4}criticality\t<string>\n/);
    expect(result.out).toMatch(/\n {4}uri\t<string> -required-\n/);
    expect(result.out).toMatch(/\n {2}router\t<Object>\n {4}gateway\t<Object>\n {6}refs\t<\[\]Object>\n/);
    expect(result.out).toMatch(/\n {8}spec\t<Object>\n {10}hostnames\t<\[\]string>\n/);
    expect(result.out).toMatch(/\n {10}targetPortNumber\t<integer> -required-\n/);
  });

  it("lists the Gateway's listeners, the HTTPRoute's filters and the policies' rules", async () => {
    expect(await fields("gateway.spec.listeners")).toEqual([
      "allowedRoutes\t<Object>",
      "hostname\t<string>",
      "name\t<string> -required-",
      "port\t<integer> -required-",
      "protocol\t<string> -required-",
      "tls\t<Object>",
    ]);
    expect(await fields("httproute.spec.rules.matches.path")).toEqual(["type\t<string>", "value\t<string>"]);
    expect(await fields("envoyfilter.spec.configPatches.patch")).toEqual([
      "filterClass\t<string>",
      "operation\t<string>",
      "value\t<Object>",
    ]);
    expect(await fields("destinationrule.spec")).toContain("host\t<string> -required-");
    expect(await fields("authpolicy.spec.rules")).toContain("authentication\t<map[string]Object>");
    expect(await fields("ratelimitpolicy.spec.limits.rates")).toEqual([
      "limit\t<integer> -required-",
      "window\t<string> -required-",
    ]);
  });
});
