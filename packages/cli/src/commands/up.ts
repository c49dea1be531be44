import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  clearServerAddress,
  type KubeObject,
  runningServer,
  testbedHome,
  writeKubeconfig,
  writeServerAddress,
} from "@testbed/apimachinery";
import type { TestbedHandle } from "@testbed/cluster";
import { prepareKeyPairs, stderrSink } from "@testbed/common";
import type { Command } from "../command.js";
import { startPrometheusIfInstalled } from "../observability/prometheus-option.js";
import { waitForShutdownSignal } from "../shutdown.js";
import { DEFAULT_WEB_PORT, startWebPage, type WebPage } from "../web-page.js";
import { topologyFromDump } from "./up-from-dump.js";

/** The Istio profile unless --istio or a dump (--from) names another: the seed's OCP 4.20. */
const DEFAULT_ISTIO = "1.26";

export const DEFAULT_TOPOLOGY = fileURLToPath(new URL("../../../../topologies/rhoai-3.2", import.meta.url));

const USAGE = `usage: testbed up [flags]

Start the simulated cluster in the foreground (Ctrl-C stops it) and apply a topology.

flags:
  --topology DIR           manifests to apply (default: topologies/rhoai-3.2, the seed's cluster as shipped)
  --from DIR|FILE          start from a customer's dump: an \`oc get … -o yaml\` list, multi-document YAML, a
                           must-gather or \`oc adm inspect\` directory (applied after --topology when both are given);
                           prints what was imported, dropped and not modelled; the Istio release it shows is the
                           --istio default
  --istio VERSION          1.26 (default: 1.26.2-redhat as OCP 4.20 pins it, Envoy 1.34), 1.27 (Envoy 1.35),
                           1.28 (1.28.0-1.28.4, Envoy 1.36) or 1.29 (Envoy 1.37)
  --time-scale X           vLLM latency: 1 = real T4 timing (default), 0 = as fast as possible
  --seed N                 seed for every random choice (default 0)
  --api-port PORT          API server port on 127.0.0.1 (default 6443; 0 = any free port)
  --subnet N               third octet of pod addresses, 0-255 (default 18: pods are 127.<node>.18.<n>)
  --isolation MODE         in-process (default: every pod in this process, starts in about a second) or
                           process (each pod in its own Node process: all cores, crash isolation, more memory)
  --prometheus             also start Prometheus (if installed) on 127.0.0.1:9091, scraping every vLLM pod and the EPP
  --web-port PORT          the workshop page (topology, requests, traces, counters) on 127.0.0.1
                           (default 9080, or any free port when taken; 0 = any free port)
  --no-web                 do not serve the workshop page
  --no-wait                print the banner as soon as the API server serves the topology, without waiting for
                           the pods to get Ready (a cluster whose pods crash-loop or cannot be scheduled)
  -h, --help`;

/** `testbed up`: the whole seed cluster on loopback, then a short guide to the first commands. */
export const upCommand: Command = {
  name: "up",
  summary: "start the simulated cluster (the RHOAI 3.2 topology, bugs included) in the foreground",
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          topology: { type: "string" },
          from: { type: "string" },
          istio: { type: "string" },
          "time-scale": { type: "string", default: "1" },
          seed: { type: "string", default: "0" },
          "api-port": { type: "string", default: "6443" },
          subnet: { type: "string", default: "18" },
          isolation: { type: "string", default: "in-process" },
          prometheus: { type: "boolean" },
          "no-wait": { type: "boolean" },
          "web-port": { type: "string", default: String(DEFAULT_WEB_PORT) },
          "no-web": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      }));
    } catch (error) {
      process.stderr.write(`testbed up: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const problem = checkFlags(values);
    if (problem) {
      process.stderr.write(`testbed up: ${problem}\n`);
      return 2;
    }
    // One testbed per TESTBED_HOME: a second would take over the server file `oc` reads, then delete it.
    const running = await runningServer();
    if (running) {
      process.stderr.write(
        `testbed up: a testbed is already running with TESTBED_HOME=${testbedHome()} ` +
          `(pid ${running.pid ?? "unknown"}, API ${running.url}); stop it or set TESTBED_HOME\n`,
      );
      return 1;
    }
    // Before loading the cluster runtime (about a third of a second of this thread): the RSA keys
    // startTestbed asks for (its service CA's, the first serving certificate's, the EPP's) generate on
    // the thread pool meanwhile, so its certificate authorities do not wait for them.
    prepareKeyPairs("RSA-2048", 3);
    const { envoyVersionOf, gatewayAddress, isIstioVersion, ISTIO_VERSIONS, istioRelease, notReady, startTestbed } =
      await import("@testbed/cluster");
    let topology: string | string[] = (values.topology as string | undefined) ?? DEFAULT_TOPOLOGY;
    let istio = values.istio;
    if (typeof values.from === "string") {
      try {
        const imported = await topologyFromDump(values.from);
        process.stderr.write(imported.summary);
        topology = values.topology ? [values.topology as string, imported.file] : imported.file;
        istio ??= imported.istio;
      } catch (error) {
        process.stderr.write(`testbed up: --from ${(error as Error).message}\n`);
        return 1;
      }
    }
    istio ??= DEFAULT_ISTIO;
    if (!isIstioVersion(istio)) {
      process.stderr.write(`testbed up: --istio must be one of ${ISTIO_VERSIONS.join(", ")}, got ${istio}\n`);
      return 2;
    }
    const shutdown = waitForShutdownSignal();
    const started = Date.now();
    // The API server's bearer token: in the kubeconfig and the server file (both 0600), nowhere else.
    const apiToken = randomBytes(32).toString("base64url");
    let testbed: TestbedHandle;
    try {
      testbed = await startTestbed({
        topology,
        istio,
        timeScale: Number(values["time-scale"]),
        seed: Number(values.seed),
        apiPort: Number(values["api-port"]),
        apiToken,
        subnet: Number(values.subnet),
        isolation: values.isolation as "in-process" | "process",
        log: stderrSink,
      });
    } catch (error) {
      process.stderr.write(`testbed up: ${(error as Error).message}\n`);
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        process.stderr.write("Is another testbed running? Stop it, or pass --api-port 0 and --subnet N.\n");
      }
      return 1;
    }
    // The routing trace endpoint, read by `testbed trace` and the page: it pulls each pod's ring by address.
    const traces = await startTraceEndpoint(testbed, apiToken);
    await writeServerAddress(testbed.api.url, process.env, process.pid, apiToken, testbed.api.ca, traces.url);
    // The page listens while the pods get Ready; it samples nothing until a browser opens it.
    const webPage: Promise<WebPage | undefined> = values["no-web"]
      ? Promise.resolve(undefined)
      : startWebPage(testbed, envoyVersionOf(istio), Number(values["web-port"]), traces.collector).catch(
          (error: Error) => {
            process.stderr.write(`warning: the workshop page did not start: ${error.message}\n`);
            return undefined;
          },
        );
    const kubeconfig = await writeKubeconfig(testbed.api.url, apiToken, testbed.api.ca);
    if (values["no-wait"]) {
      process.stderr.write("not waiting for the pods (--no-wait): npx testbed oc get pods -A shows how far they are\n");
    } else {
      try {
        await testbed.waitUntilReady(30_000);
      } catch {
        process.stderr.write(`warning: still starting: ${notReady(testbed.store).join(", ")}\n`);
      }
    }
    const prometheus = values.prometheus
      ? await startPrometheusIfInstalled({
          apiUrl: testbed.api.url,
          apiToken,
          apiCa: testbed.api.ca,
          watch: (handler) => testbed.store.watch(handler),
          pathEnv: process.env.PATH,
          warn: (line) => process.stderr.write(`${line}\n`),
        })
      : undefined;
    const web = await webPage;
    process.stdout.write(
      banner(
        testbed,
        Date.now() - started,
        gatewayAddress,
        `Istio ${istioRelease(istio)} (Envoy ${envoyVersionOf(istio)})`,
        kubeconfig,
        { web: web?.url, traces: `${traces.url}/api/traces`, asShipped: topology === DEFAULT_TOPOLOGY },
      ),
    );
    if (prometheus) process.stdout.write(`Prometheus: ${prometheus.url} (scraping the vLLM pods and the EPP)\n\n`);
    const signal = await shutdown;
    process.stderr.write(`\n${signal}: stopping the testbed…\n`);
    await prometheus?.stop();
    await web?.close();
    await traces.close();
    await clearServerAddress(testbed.api.url);
    await testbed.close();
    return 0;
  },
};

/** The trace endpoint over every gateway, EPP and vLLM pod the store lists (asked afresh on each read). */
async function startTraceEndpoint(testbed: TestbedHandle, token: string) {
  const { startTraceServer, TraceCollector, traceTargets } = await import("@testbed/trace");
  const collector = new TraceCollector(() => traceTargets(testbed.store.peekList("Pod")));
  return { ...(await startTraceServer({ collector, token })), collector };
}

function checkFlags(values: Record<string, string | boolean | undefined>): string | undefined {
  if (values.isolation !== "in-process" && values.isolation !== "process") {
    return `--isolation must be in-process or process, got ${values.isolation}`;
  }
  const timeScale = Number(values["time-scale"]);
  if (!Number.isFinite(timeScale) || timeScale < 0)
    return `--time-scale must be a number ≥ 0, got ${values["time-scale"]}`;
  const subnet = Number(values.subnet);
  if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) return `--subnet must be 0-255, got ${values.subnet}`;
  const webPort = Number(values["web-port"]);
  if (!Number.isInteger(webPort) || webPort < 0 || webPort > 65535)
    return `--web-port must be a port number, got ${values["web-port"]}`;
  const port = Number(values["api-port"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    return `--api-port must be a port number, got ${values["api-port"]}`;
  return undefined;
}

function banner(
  testbed: TestbedHandle,
  elapsedMs: number,
  gatewayAddress: (gateway: KubeObject) => string | undefined,
  /** The Istio and Envoy releases the mesh behaves as. */
  mesh: string,
  kubeconfig: string,
  extras: {
    /** The workshop page, when it is served. */
    web: string | undefined;
    /** The routing trace endpoint. */
    traces: string;
    /** The shipped topology, whose bugs the last lines announce. */
    asShipped: boolean;
  },
): string {
  const gateways = testbed.store.list("gateway.networking.k8s.io/Gateway");
  const pods = testbed.store.list("Pod");
  const lines = [
    "",
    `testbed is up in ${(elapsedMs / 1000).toFixed(1)} s: ${pods.length} pods (${testbed.options.isolation}), ${mesh}, API server ${testbed.api.url}`,
    `Kubeconfig for your own kubectl, oc or helm: export KUBECONFIG=${kubeconfig}`,
    "",
    "Gateways:",
    ...gateways.map((g) => `  ${g.metadata.name.padEnd(24)} https://${gatewayAddress(g) ?? "<pending>"}`),
    "",
    ...(extras.web ? [`Workshop page (topology, requests, traces, counters): ${extras.web}`] : []),
    `Routing traces: ${extras.traces} (npx testbed trace --last)`,
    "",
    "Try (in another terminal):",
    "  npx testbed oc get pods -A",
    "  export GW=$(npx testbed oc get gateway openshift-ai-inference -n openshift-ingress -o jsonpath='{.status.addresses[0].value}')",
    '  curl -sk "https://$GW/my-first-model/qwen3-0-6b/v1/models"',
    '  curl -sk -X POST "https://$GW/my-first-model/qwen3-0-6b/v1/chat/completions" -H "Content-Type: application/json" \\',
    `    -d '{"model":"Qwen/Qwen3-0.6B","messages":[{"role":"user","content":"Hi"}],"max_tokens":20}'`,
    "",
    ...(extras.asShipped
      ? [
          'As shipped, RHOAI 3.2 has four bugs: that POST answers 400 "Field required". docs/workshop.md walks through the fixes.',
        ]
      : []),
    "Ctrl-C stops the testbed.",
    "",
  ];
  return `${lines.join("\n")}\n`;
}
