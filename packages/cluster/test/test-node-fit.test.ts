// kube-scheduler's NodeResourcesFit and FitError message, as node-fit.ts models them.
import { describe, expect, it } from "vitest";
import { fitErrorMessage, insufficientResources, podRequests } from "../src/kubelet/node-fit.js";
import { parseQuantity } from "../src/kubelet/resource-quantity.js";

const pod = (spec: Record<string, unknown>) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec });

describe("node fit", () => {
  it("reads quantities with binary, decimal and exponent suffixes", () => {
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("16Gi")).toBe(16 * 2 ** 30);
    expect(parseQuantity("1e3")).toBe(1000);
    expect(parseQuantity("2k")).toBe(2000);
    expect(parseQuantity("lots")).toBeUndefined();
  });

  it("sums containers' requests, a limit standing in for a missing request, and takes the largest init container", () => {
    const requests = podRequests(
      pod({
        containers: [
          { resources: { limits: { "nvidia.com/gpu": "1" } } },
          { resources: { requests: { cpu: "250m", memory: "1Gi" } } },
        ],
        initContainers: [{ resources: { requests: { cpu: "2" } } }],
      }),
    );
    expect(requests).toEqual({ "nvidia.com/gpu": 1, cpu: 2, memory: 2 ** 30 });
  });

  it("names each resource that does not fit, cpu and memory first, as fit.go does", () => {
    const reasons = insufficientResources(
      { "nvidia.com/gpu": 1, memory: 20 * 2 ** 30, cpu: 1 },
      { cpu: "4", memory: "16Gi", "nvidia.com/gpu": "1" },
      { "nvidia.com/gpu": 1 },
      1,
    );
    expect(reasons).toEqual(["Insufficient memory", "Insufficient nvidia.com/gpu"]);
    expect(insufficientResources({}, { pods: "1" }, {}, 1)).toEqual(["Too many pods"]);
  });

  it("writes FitError's histogram sorted as strings, then default preemption's message", () => {
    const message = fitErrorMessage(
      [["Insufficient nvidia.com/gpu"], ["Insufficient cpu", "Insufficient nvidia.com/gpu"]],
      2,
    );
    expect(message).toBe(
      "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient nvidia.com/gpu. " +
        "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
    );
  });
});
