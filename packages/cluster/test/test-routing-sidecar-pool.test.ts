import { ssrfConfigurationError } from "@testbed/vllm-sim";
import { describe, expect, it } from "vitest";
import { sidecarPool } from "../src/kubelet/runtimes/routing-sidecar-pool.js";

// The pd-sidecar's pool options as llm-d's options.go completes and validates them: --inference-pool
// (or INFERENCE_POOL) is `namespace/name` or `name` and nothing else, checked whether SSRF protection
// is on or not; it overrides the deprecated namespace/name pair.
function poolOf(argv: string[], env: Record<string, string> = {}) {
  const values = Object.fromEntries(
    argv.map((arg) => {
      const [flag = "", ...rest] = arg.slice(2).split("=");
      return [flag, rest.length > 0 ? rest.join("=") : true];
    }),
  );
  return sidecarPool(argv, values, env, ssrfConfigurationError);
}

describe("the routing sidecar's --inference-pool", () => {
  it("splits namespace/name, and a bare name is in the default namespace", () => {
    expect(poolOf(["--enable-ssrf-protection", "--inference-pool=models/pool"])).toEqual({
      group: "inference.networking.k8s.io",
      namespace: "models",
      name: "pool",
    });
    expect(poolOf(["--enable-ssrf-protection"], { INFERENCE_POOL: "pool" })).toMatchObject({
      namespace: "default",
      name: "pool",
    });
  });

  it("refuses more than one slash, with Options.Validate's message", () => {
    expect(() => poolOf(["--enable-ssrf-protection", "--inference-pool=a/b/c"])).toThrow(
      "--inference-pool must be in format 'namespace/name' or 'name', not multiple slashes",
    );
  });

  it("refuses an empty namespace or name, from the flag or INFERENCE_POOL, even with SSRF protection off", () => {
    const empty = "--inference-pool cannot have empty namespace or name";
    expect(() => poolOf(["--enable-ssrf-protection", "--inference-pool=models/"])).toThrow(empty);
    expect(() => poolOf(["--enable-ssrf-protection", "--inference-pool=/pool"])).toThrow(empty);
    expect(() => poolOf([], { INFERENCE_POOL: "models/" })).toThrow(empty);
    expect(poolOf([], { INFERENCE_POOL: "models/pool" })).toBeUndefined();
  });
});
