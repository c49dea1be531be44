import { createServer, type Server } from "node:http";
import type { GatewayHandle } from "@testbed/gateway";
import type { EnvoyConfig } from "../../controllers/mesh-config-hub.js";
import { servingPort } from "../../network/ports.js";
import type { PodFilesystem } from "../pod-filesystem.js";
import type { ContainerContext, ContainerImage, ExecResult } from "./container-runtime.js";
import { pilotAgentBootstrap } from "./pilot-agent-bootstrap.js";

const GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name";
const STATUS_PORT = 15021;

/**
 * The gateway pod's `istio-proxy` container: our Envoy-like gateway, fed by the mesh controller
 * (the pod subscribes to its Gateway's config, as Envoy does to istiod over xDS) and updated live.
 * pilot-agent's status port answers /healthz/ready once a config is running, and
 * `pilot-agent request GET /clusters` reads the admin API, as in the seed.
 */
export const istioProxyImage: ContainerImage = {
  name: "istio-proxy",
  matches: (repository) => repository.includes("proxyv2"),
  async start(context) {
    const gatewayName = context.pod.metadata.labels?.[GATEWAY_NAME_LABEL];
    const key = `${context.pod.metadata.namespace}/${gatewayName}`;
    const proxy = new ProxyAgent(context);
    const statusServer = await startStatusServer(context.podIP, () => proxy.ready());
    const unsubscribe = context.cluster.hub.subscribe(key, (config) => void proxy.apply(config));
    return {
      async stop() {
        unsubscribe();
        await proxy.close();
        await new Promise<void>((resolve) => statusServer.close(() => resolve()));
      },
      exec: (argv) => proxy.exec(argv),
    };
  },
};

class ProxyAgent {
  private gateway: GatewayHandle | undefined;
  private pending: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly context: ContainerContext) {}

  ready(): boolean {
    return this.gateway !== undefined;
  }

  /** Configs are applied one at a time, in the order they were pushed. */
  apply(config: EnvoyConfig): Promise<void> {
    this.pending = this.pending
      .then(() => this.applyNow(config))
      .catch((error) => {
        this.context.log(`error\tenvoy config\tgateway config rejected: ${(error as Error).message}`);
      });
    return this.pending;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.pending;
    await this.gateway?.close();
  }

  async exec(argv: string[]): Promise<ExecResult | undefined> {
    if (argv[0] !== "pilot-agent") return undefined;
    const [, verb, method, path] = argv;
    if (verb !== "request" || !method || !path) {
      return { stdout: "", stderr: "Usage: pilot-agent request <method> <path> [flags]\n", exitCode: 1 };
    }
    if (!this.gateway?.adminUrl) return { stdout: "", stderr: "Error: envoy admin is not running\n", exitCode: 1 };
    const response = await fetch(`${this.gateway.adminUrl}${path.startsWith("/") ? path : `/${path}`}`, { method });
    return { stdout: await response.text(), stderr: "", exitCode: 0 };
  }

  private async applyNow(config: EnvoyConfig): Promise<void> {
    if (this.closed) return;
    // istiod's listeners and clusters over the bootstrap pilot-agent wrote (node, stats_config).
    const localized = {
      ...localizeConfig(config, this.context.podIP, this.context.fs),
      ...pilotAgentBootstrap(this.context.pod, this.context.podIP),
    };
    if (!this.gateway) {
      const { startGateway } = await import("@testbed/gateway");
      this.gateway = await startGateway(localized, {
        envoyVersion: this.context.cluster.envoyVersion,
        accessLogSink: this.context.log,
        log: this.context.log,
        clock: this.context.cluster.clock,
        configDelivery: "xds",
      });
      return;
    }
    await this.gateway.update(localized);
  }
}

/**
 * The pod's network and filesystem namespaces, applied to a config written for a pod: wildcard
 * and loopback addresses become the pod's IP (privileged ports shifted, see network/ports.ts),
 * and file names (CA bundles from DestinationRules, also as Istio's file-root:/file-cert: SDS
 * secret names) resolve inside the pod.
 */
export function localizeConfig(config: EnvoyConfig, podIP: string, fs: PodFilesystem): EnvoyConfig {
  const copy = structuredClone(config);
  visit(copy, (node) => {
    const socket = node.socket_address as { address?: string; port_value?: number } | undefined;
    if (socket && (socket.address === "0.0.0.0" || socket.address === "127.0.0.1" || socket.address === "::")) {
      socket.address = podIP;
      if (typeof socket.port_value === "number" && socket.port_value > 0)
        socket.port_value = servingPort(socket.port_value);
    }
    if (typeof node.filename === "string" && node.filename.startsWith("/")) node.filename = fs.resolve(node.filename);
    if (typeof node.name === "string") node.name = localizeSdsName(node.name, fs);
  });
  return copy;
}

/** Istio's file-backed SDS secrets (`file-root:<ca>`, `file-cert:<cert>~<key>`) name pod paths too. */
function localizeSdsName(name: string, fs: PodFilesystem): string {
  const match = /^(file-root:|file-cert:)(.*)$/.exec(name);
  if (!match) return name;
  const paths = (match[2] as string).split("~").map((path) => (path.startsWith("/") ? fs.resolve(path) : path));
  return `${match[1]}${paths.join("~")}`;
}

function visit(value: unknown, fn: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, fn);
    return;
  }
  if (!value || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  fn(record);
  for (const [key, child] of Object.entries(record)) {
    // Cluster endpoints point at other pods: leave their addresses alone.
    if (key === "load_assignment") continue;
    visit(child, fn);
  }
}

async function startStatusServer(host: string, ready: () => boolean): Promise<Server> {
  const server = createServer((request, response) => {
    const ok = request.url === "/healthz/ready" && ready();
    response.writeHead(ok ? 200 : 503, { "content-type": "text/plain" });
    response.end(ok ? "" : "not ready\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: servingPort(STATUS_PORT) }, () => resolve());
  });
  return server;
}
