// charts/vllm-sim checked with the real helm: it lints, and renders N pods with the labels llm-d's
// InferencePool and EPP select on, the OpenAI port only on the Service, and the admin port as a flag.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { realClientMissing, realClientPath } from "./real-clients.js";

const CHART = fileURLToPath(new URL("../charts/vllm-sim", import.meta.url));

function helm(...args: string[]): string {
  return execFileSync(realClientPath("helm"), args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

interface Rendered {
  kind: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are untyped YAML, read field by field
  spec: Record<string, any>;
}

function render(...sets: string[]): Rendered[] {
  const out = helm("template", "sim", CHART, ...sets.flatMap((set) => ["--set", set]));
  return parseAllDocuments(out)
    .map((doc) => doc.toJS() as Rendered | null)
    .filter((doc): doc is Rendered => doc !== null);
}

describe.skipIf(realClientMissing("helm"))("charts/vllm-sim with the real helm", () => {
  it("passes helm lint", () => {
    expect(helm("lint", CHART)).toContain("0 chart(s) failed");
  });

  it("renders N pods labelled for llm-d's InferencePool, running `testbed vllm-sim` with an admin port", () => {
    const [deployment, ...rest] = render("replicaCount=3", "role=prefill", "inferencePool.modelLabel=my-model");
    expect(rest).toEqual([]);
    expect(deployment?.kind).toBe("Deployment");
    expect(deployment?.spec.replicas).toBe(3);
    expect(deployment?.spec.template.metadata.labels).toMatchObject({
      "llm-d.ai/inferenceServing": "true",
      "llm-d.ai/model": "my-model",
      "llm-d.ai/role": "prefill",
    });
    const container = deployment?.spec.template.spec.containers[0];
    expect(container.image).toContain("vllm");
    expect(container.args).toEqual(
      expect.arrayContaining(["vllm-sim", "--port=8000", "--admin-port=8100", "--role=prefill"]),
    );
    expect(container.ports).toEqual([{ name: "http", containerPort: 8000, protocol: "TCP" }]);
  });

  it("exposes only the OpenAI port on its Service, never the admin port", () => {
    const service = render("service.enabled=true").find((doc) => doc.kind === "Service");
    expect(service?.spec.ports).toEqual([{ name: "http", port: 8000, targetPort: "http", protocol: "TCP" }]);
  });

  it("refuses a role llm-d does not know", () => {
    expect(() => render("role=teacher")).toThrow(/role must be decode, prefill or both/);
  });
});
