// Strategic merge patch of the built-in kinds: lists merged by their keys and kubectl's directives.
import { describe, expect, it } from "vitest";
import { patchMetaOf } from "../src/patch-meta.js";
import { strategicMergePatch } from "../src/strategic-merge-patch.js";

const DEPLOYMENT = patchMetaOf("apps/Deployment");
const live = {
  metadata: { name: "web", finalizers: ["a", "b"] },
  spec: {
    replicas: 1,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
    template: {
      spec: {
        containers: [
          { name: "main", image: "v1", env: [{ name: "A", value: "1" }], ports: [{ containerPort: 8000 }] },
          { name: "side", image: "s1" },
        ],
      },
    },
  },
};
const containers = (object: unknown) =>
  (object as { spec: { template: { spec: { containers: unknown[] } } } }).spec.template.spec.containers;

describe("strategic merge patch", () => {
  it("merges containers by name and env by name, keeping what the patch does not name", () => {
    const patched = strategicMergePatch(
      live,
      { spec: { template: { spec: { containers: [{ name: "main", env: [{ name: "B", value: "2" }] }] } } } },
      DEPLOYMENT ?? {},
    );
    expect(containers(patched)).toEqual([
      {
        name: "main",
        image: "v1",
        env: [
          { name: "A", value: "1" },
          { name: "B", value: "2" },
        ],
        ports: [{ containerPort: 8000 }],
      },
      { name: "side", image: "s1" },
    ]);
  });

  it("deletes an element with $patch: delete and replaces a list with $patch: replace", () => {
    const deleted = strategicMergePatch(
      live,
      { spec: { template: { spec: { containers: [{ name: "side", $patch: "delete" }] } } } },
      DEPLOYMENT ?? {},
    );
    expect(containers(deleted).map((c) => (c as { name: string }).name)).toEqual(["main"]);
    const replaced = strategicMergePatch(
      live,
      { spec: { template: { spec: { containers: [{ name: "only", image: "x" }, { $patch: "replace" }] } } } },
      DEPLOYMENT ?? {},
    );
    expect(containers(replaced)).toEqual([{ name: "only", image: "x" }]);
  });

  it("honours $deleteFromPrimitiveList, $retainKeys and null", () => {
    const patched = strategicMergePatch(
      live,
      {
        metadata: { "$deleteFromPrimitiveList/finalizers": ["a"] },
        spec: { replicas: null, strategy: { $retainKeys: ["type"], type: "Recreate" } },
      },
      DEPLOYMENT ?? {},
    ) as typeof live;
    expect(patched.metadata.finalizers).toEqual(["b"]);
    expect(patched.spec.strategy).toEqual({ type: "Recreate" });
    expect("replicas" in patched.spec).toBe(false);
  });

  it("leaves the original untouched", () => {
    const before = JSON.stringify(live);
    strategicMergePatch(live, { spec: { replicas: 5 } }, DEPLOYMENT ?? {});
    expect(JSON.stringify(live)).toBe(before);
  });
});
