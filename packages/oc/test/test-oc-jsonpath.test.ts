import { humanDuration, renderJsonPath } from "@testbed/apimachinery";
import { describe, expect, it } from "vitest";
import { parseOcArgs } from "../src/args.js";

const LIST = {
  kind: "List",
  items: [
    {
      metadata: { name: "a", labels: { "app.kubernetes.io/name": "qwen" } },
      status: { conditions: [{ type: "Ready", status: "True" }], podIP: "127.0.0.2" },
      spec: { containers: [{ args: ["--x", "1"], ports: [{ containerPort: 8000 }] }] },
    },
    { metadata: { name: "b" }, status: { conditions: [{ type: "Ready", status: "False" }] } },
    { metadata: { name: "c" } },
  ],
};

describe("kubectl JSONPath", () => {
  it("selects fields, indexes, wildcards and slices, joining results with spaces", () => {
    expect(renderJsonPath("{.items[*].metadata.name}", LIST)).toBe("a b c");
    expect(renderJsonPath("{.items[-1].metadata.name}", LIST)).toBe("c");
    expect(renderJsonPath("{.items[0:2].metadata.name}", LIST)).toBe("a b");
    expect(renderJsonPath("{.items[0].metadata.labels.app\\.kubernetes\\.io/name}", LIST)).toBe("qwen");
    expect(renderJsonPath("{.items[0].metadata.labels['app.kubernetes.io/name']}", LIST)).toBe("qwen");
    expect(renderJsonPath("{..containerPort}", LIST)).toBe("8000");
    expect(renderJsonPath("{.items[5].metadata.name}", LIST)).toBe("");
  });

  it("filters, ranges and literals", () => {
    expect(renderJsonPath('{.items[?(@.status.conditions[0].status=="True")].metadata.name}', LIST)).toBe("a");
    expect(renderJsonPath("{.items[?(@.status.podIP)].metadata.name}", LIST)).toBe("a");
    expect(renderJsonPath('{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}', LIST)).toBe(
      "a\t127.0.0.2\nb\t\nc\t\n",
    );
    expect(renderJsonPath("names: {.items[0].metadata.name}!", LIST)).toBe("names: a!");
    expect(renderJsonPath(".kind", LIST)).toBe("List");
  });

  it("prints maps and arrays as Go's compact JSON with sorted keys", () => {
    expect(renderJsonPath("{.items[0].spec.containers[0].args}", LIST)).toBe('["--x","1"]');
    expect(renderJsonPath("{.items[0].status.conditions[0]}", LIST)).toBe('{"status":"True","type":"Ready"}');
    expect(renderJsonPath("{.v}", { v: { b: "<&>", a: 1 } })).toBe('{"a":1,"b":"\\u003c\\u0026\\u003e"}');
  });
});

describe("oc arguments and ages", () => {
  it("parses flags in every pflag spelling around the verb", () => {
    const args = parseOcArgs(["-n=my-ns", "get", "pods", "-ojsonpath={.items}", "-A", "--selector", "a=b"]);
    expect(args.verb).toBe("get");
    expect(args.positionals).toEqual(["pods"]);
    expect(args.flags.get("namespace")).toEqual(["my-ns"]);
    expect(args.flags.get("output")).toEqual(["jsonpath={.items}"]);
    expect(args.flags.get("all-namespaces")).toEqual(["true"]);
    const exec = parseOcArgs([
      "exec",
      "-it",
      "pod",
      "-c",
      "istio-proxy",
      "--",
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    ]);
    expect(exec.command).toEqual(["pilot-agent", "request", "GET", "/clusters"]);
    expect(exec.flags.get("container")).toEqual(["istio-proxy"]);
    expect(parseOcArgs(["logs", "-f", "deploy/x"]).flags.get("follow")).toEqual(["true"]);
    expect(parseOcArgs(["apply", "-f", "dir"]).flags.get("filename")).toEqual(["dir"]);
  });

  it("formats ages like kubectl", () => {
    const s = 1000;
    expect(
      [5 * s, 119 * s, 200 * s, 45 * 60 * s, 5 * 3600 * s + 180 * s, 30 * 3600 * s, 50 * 3600 * s, 400 * 86400 * s].map(
        humanDuration,
      ),
    ).toEqual(["5s", "119s", "3m20s", "45m", "5h3m", "30h", "2d2h", "400d"]);
  });
});
