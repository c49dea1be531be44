// The docker compose form is rendered from the embedded testbed; these checks keep the committed files
// in step with it and make sure they reference only what exists (no Docker engine is needed).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCommand, renderCompose } from "@testbed/cli";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
let rendered: Map<string, string>;

interface ComposeFile {
  services: Record<
    string,
    {
      image?: string;
      build?: string;
      command?: string[];
      volumes?: string[];
      ports?: string[];
      profiles?: string[];
      networks?: Record<string, { ipv4_address?: string } | null>;
      depends_on?: Record<string, unknown> | string[];
    }
  >;
  volumes: Record<string, unknown>;
  networks: Record<string, unknown>;
}

beforeAll(async () => {
  rendered = await renderCompose({
    root: ROOT,
    topology: "topologies/rhoai-3.2",
    istio: "1.26",
    fixes: 0,
    apply: [],
    subnet: 207,
  });
}, 60_000);

const committed = () => parse(readFileSync(`${ROOT}/docker-compose.yml`, "utf8")) as ComposeFile;

describe("docker-compose.yml", () => {
  it("is what `testbed render compose` makes from the embedded testbed, file for file", () => {
    expect([...rendered.keys()].sort()).toContain("docker-compose.yml");
    for (const [path, content] of rendered) {
      expect(readFileSync(`${ROOT}/${path}`, "utf8"), `${path} is stale: run npx testbed render compose`).toBe(content);
    }
  });

  it("has one service per pod of the topology, each at its own address in the compose network", () => {
    const compose = committed();
    const cluster = Object.entries(compose.services).filter(([, service]) => !service.profiles);
    expect(cluster.map(([name]) => name).sort()).toEqual([
      "authorino",
      "certs",
      "limitador",
      "maas-gateway",
      "openshift-ai-inference",
      "qwen3-0-6b-kserve-0",
      "qwen3-0-6b-kserve-1",
      "qwen3-0-6b-kserve-prefill-0",
      "qwen3-0-6b-kserve-prefill-1",
      "qwen3-0-6b-kserve-router-scheduler",
    ]);
    const addresses = Object.values(compose.services)
      .map((service) => service.networks?.testbed?.ipv4_address)
      .filter((address): address is string => address !== undefined);
    expect(new Set(addresses).size).toBe(addresses.length);
    for (const address of addresses) expect(address).toMatch(/^10\.(12[89]|13[0-5])\.18\.\d+$/);
    // A decode pod sits at the seed's 10.129.18.21 (which one depends on the pods' generated names).
    const decode = ["qwen3-0-6b-kserve-0", "qwen3-0-6b-kserve-1"].map(
      (name) => compose.services[name]?.networks?.testbed?.ipv4_address,
    );
    expect(decode).toContain("10.129.18.21");
  });

  it("runs testbed sub-commands from one image, mounting only files and volumes that exist", () => {
    const compose = committed();
    const commands = new Set(["certs", "vllm-sim", "epp", "gateway", "authorino", "limitador", "contract"]);
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image === "llm-d-testbed:local") expect(commands, name).toContain(service.command?.[0]);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] as string;
        if (source.startsWith("./")) expect(existsSync(`${ROOT}/${source}`), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: ${source}`).toContain(source);
      }
    }
    const published = Object.values(compose.services)
      .flatMap((service) => service.ports ?? [])
      .map((p) => p.split(":").at(-2));
    expect(new Set(published).size).toBe(published.length);
    expect(compose.services.certs?.build).toBe(".");
  });

  it("has a Dockerfile whose entry point is the testbed command, copying what the services need", () => {
    const dockerfile = readFileSync(`${ROOT}/Dockerfile`, "utf8");
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/testbed/packages/cli/bin/testbed.mjs"]');
    // The image runs packages/*/dist, compiled in a build stage and copied into the runtime stage.
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    expect(dockerfile).toMatch(/^COPY --from=build \/testbed\/packages \.\/packages$/m);
    expect(dockerfile).not.toContain("tsx");
    for (const copied of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) {
      for (const source of (copied[1] as string).split(" ")) expect(existsSync(`${ROOT}/${source}`), source).toBe(true);
    }
  });

  it("publishes every port on loopback unless TESTBED_PUBLISH_ADDRESS says otherwise, and Grafana's anonymous role is Viewer", () => {
    const compose = committed();
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => `${name} ${port}`),
    );
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const entry of published) expect(entry).toMatch(/^\S+ \$\{TESTBED_PUBLISH_ADDRESS:-127\.0\.0\.1\}:\d+:\d+$/);
    const grafana = compose.services.grafana as { environment?: Record<string, string> };
    expect(grafana.environment?.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe("Viewer");
  });

  it("passes `docker-compose config` with every profile, when Debian's docker-compose is installed", () => {
    let available = true;
    try {
      execFileSync("docker-compose", ["version"], { stdio: "ignore" });
    } catch {
      available = false;
    }
    if (!available) return; // CI machines have no docker-compose; the structural checks above still ran
    const services = execFileSync(
      "docker-compose",
      [
        "-f",
        `${ROOT}/docker-compose.yml`,
        "--profile",
        "observability",
        "--profile",
        "real-epp",
        "config",
        "--services",
      ],
      { encoding: "utf8", cwd: ROOT },
    );
    expect(services.split("\n")).toEqual(
      expect.arrayContaining(["prometheus", "grafana", "epp-real", "openshift-ai-inference"]),
    );
  });

  it("has a Prometheus config that promtool accepts, when Prometheus is installed", () => {
    try {
      execFileSync("promtool", ["--version"], { stdio: "ignore" });
    } catch {
      return; // no Prometheus on CI machines; the sync check above still covers the file
    }
    const output = execFileSync(
      "promtool",
      ["check", "config", `${ROOT}/deploy/observability/prometheus-compose.yml`],
      {
        encoding: "utf8",
      },
    );
    expect(output).toContain("SUCCESS");
  });
});

describe("testbed render compose", () => {
  it("exits 1 with the manifest's error, not a stack trace, when an --apply file does not parse", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "render-apply-")), "broken.yaml");
    writeFileSync(bad, "kind: [\n");
    const out = mkdtempSync(join(tmpdir(), "render-out-"));
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((text) => {
      stderr.push(String(text));
      return true;
    });
    try {
      const code = await renderCommand.run(["compose", "--apply", relative(ROOT, bad), "--out", out]);
      expect(code).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(stderr.join("")).toMatch(
      /^testbed render: error validating ".*broken\.yaml" \(document 1\): error parsing YAML/,
    );
    expect(existsSync(join(out, "docker-compose.yml"))).toBe(false);
  }, 60_000);
});
