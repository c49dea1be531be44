// Runs docker-compose.yml's services without Docker: each service's command as a local `testbed` process,
// its named volumes and bind mounts as temporary directories, its compose address 10.<a>.18.<n> as the
// loopback address 127.<a>.<SUBNET>.<n>. Then it sends the seed's two requests through the gateway.
// Usage: npx tsx --conditions=development scripts/compose-smoke.ts [--fixes N]   (renders first; exit 1 when a check fails)
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderCompose } from "@testbed/cli";
import { Agent, request } from "undici";
import { parse } from "yaml";

const ROOT = new URL("..", import.meta.url).pathname;
const CLI = join(ROOT, "packages/cli/bin/testbed.mjs");
const SUBNET = 254;
// biome-ignore lint/suspicious/noTemplateCurlyInString: compose's variable syntax in the rendered commands.
const TIME_SCALE_VARIABLE = "${TIME_SCALE:-1}";
const { values } = parseArgs({ options: { fixes: { type: "string", default: "0" } } });
const fixes = Number(values.fixes);

type Service = {
  command?: string[];
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  profiles?: string[];
};

const loopback = (text: string) => text.replace(/\b10\.(\d+)\.18\.(\d+)\b/g, `127.$1.${SUBNET}.$2`);
const work = mkdtempSync(join(tmpdir(), "compose-smoke-"));
const files = await renderCompose({
  root: ROOT,
  topology: "topologies/rhoai-3.2",
  istio: "1.26",
  fixes,
  apply: [],
  subnet: 251,
});
for (const [path, content] of files) {
  mkdirSync(join(work, "repo", path, ".."), { recursive: true });
  writeFileSync(join(work, "repo", path), content);
}
const compose = parse(files.get("docker-compose.yml") as string) as { services: Record<string, Service> };

/** container path → host path, for one service (named volumes are shared directories). */
function mounts(service: Service): Array<[string, string]> {
  return (service.volumes ?? []).map((volume) => {
    const [source, target] = volume.split(":") as [string, string];
    const host = source.startsWith("./") ? join(work, "repo", source) : join(work, "volumes", source);
    mkdirSync(host, { recursive: true });
    return [target, host];
  });
}

/** Named volumes nested in another's mount (the certs service's /out/serving) are written through the parent here. */
function localize(text: string, table: Array<[string, string]>): string {
  let out = loopback(text);
  for (const [container, host] of [...table].sort((a, b) => b[0].length - a[0].length))
    out = out.split(container).join(host);
  return out;
}

function configCopy(service: Service, table: Array<[string, string]>): Array<[string, string]> {
  // Bind-mounted configs mention compose addresses and container paths: give each service its own localized copy.
  return table.map(([container, host]) => {
    if (!host.startsWith(join(work, "repo"))) return [container, host];
    const copy = mkdtempSync(join(work, "config-"));
    cpSync(host, copy, { recursive: true });
    for (const file of readdirSync(copy)) {
      const path = join(copy, file);
      if (statSync(path).isFile()) writeFileSync(path, localize(readFileSync(path, "utf8"), mounts(service)));
    }
    return [container, copy];
  });
}

const children: ChildProcess[] = [];
function run(name: string, service: Service): ChildProcess {
  const address = loopback(service.networks?.testbed?.ipv4_address ?? "127.0.0.1");
  const table = configCopy(service, mounts(service));
  const argv = (service.command ?? []).map((arg) =>
    localize(arg.replace(TIME_SCALE_VARIABLE, "0").replace("0.0.0.0", address), table),
  );
  // Listeners the mesh bound to 0.0.0.0 listen on the service's own address here.
  for (const [, host] of table) {
    if (!host.includes("config-")) continue;
    for (const file of readdirSync(host)) {
      const path = join(host, file);
      writeFileSync(path, readFileSync(path, "utf8").replaceAll("0.0.0.0", address));
    }
  }
  const child = spawn(process.execPath, [CLI, ...argv], {
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      VLLM_ADDITIONAL_ARGS:
        (service as { environment?: Record<string, string> }).environment?.VLLM_ADDITIONAL_ARGS ?? "",
    },
  });
  child.stderr?.on("data", (data) => {
    if (/error/i.test(String(data))) process.stderr.write(`[${name}] ${data}`);
  });
  children.push(child);
  return child;
}

let failures = 0;
function check(what: string, ok: boolean, detail: string): void {
  console.log(`${ok ? "✓" : "✗"} ${what}: ${detail}`);
  if (!ok) failures++;
}

try {
  const certs = run("certs", compose.services.certs as Service);
  await new Promise((resolve) => certs.once("exit", resolve));
  // The certs service wrote serving/ and ingress/ inside /out; the other services mount them separately.
  cpSync(join(work, "volumes", "service-ca", "serving"), join(work, "volumes", "serving-certs"), { recursive: true });
  cpSync(join(work, "volumes", "service-ca", "ingress"), join(work, "volumes", "ingress-certs"), { recursive: true });
  for (const [name, service] of Object.entries(compose.services)) {
    if (name !== "certs" && !service.profiles) run(name, service);
  }
  const gateway = loopback(
    (compose.services["openshift-ai-inference"] as Service).networks?.testbed?.ipv4_address ?? "",
  );
  const insecure = new Agent({ connect: { rejectUnauthorized: false } });
  const call = async (method: "GET" | "POST", path: string, body?: string) => {
    const response = await request(`https://${gateway}:443${path}`, {
      method,
      dispatcher: insecure,
      ...(body ? { body, headers: { "content-type": "application/json" } } : {}),
    });
    return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
  };
  let models = { status: 0, body: "", headers: {} as Record<string, unknown> };
  for (let attempt = 0; attempt < 120 && models.status !== 200; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    models = await call("GET", "/my-first-model/qwen3-0-6b/v1/models").catch(() => models);
  }
  check("GET /v1/models through openshift-ai-inference", models.status === 200, `HTTP ${models.status}`);
  await new Promise((resolve) => setTimeout(resolve, 3000)); // the EPP's first scrapes
  const chat = await call(
    "POST",
    "/my-first-model/qwen3-0-6b/v1/chat/completions",
    JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content: "Hi" }], max_tokens: 5 }),
  );
  const expected = fixes === 0 ? 400 : 200;
  check(`chat POST (fixes ${fixes})`, chat.status === expected, `HTTP ${chat.status} ${chat.body.slice(0, 80)}`);
  if (fixes >= 3)
    check(
      "x-went-into-resp-headers",
      chat.headers["x-went-into-resp-headers"] === "true",
      String(chat.headers["x-went-into-resp-headers"]),
    );
} finally {
  for (const child of children) child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 500));
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failures > 0 ? 1 : 0;
