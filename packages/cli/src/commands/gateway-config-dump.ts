// `testbed gateway --config-dump FILE`: a customer's gateway /config_dump as the bootstrap, its
// clusters' endpoints remapped onto local pods — by name with --map-cluster, or onto a running
// testbed's pods with --testbed (the testbed gateway's own dump names the same clusters) — so the
// customer's filter chain, route overrides and cluster TLS meet simulated vLLM and EPP pods.
import { readFile } from "node:fs/promises";
import type { SocketAddress } from "@testbed/gateway";

export interface ConfigDumpFlags {
  file: string;
  mapCluster: string[];
  /** Map onto the running testbed's gateway of this name (--testbed, --testbed-gateway NAME). */
  testbedGateway?: string;
  trust?: string;
  listen: string;
  freePorts: boolean;
}

/** The bootstrap to run and what to tell the user about it. */
export async function configDumpBootstrap(
  flags: ConfigDumpFlags,
): Promise<{ bootstrap: Record<string, unknown>; report: string[] }> {
  const { bootstrapFromConfigDump, endpointsOfConfigDump, GatewayConfigError, parseClusterMapping } = await import(
    "@testbed/gateway"
  );
  let dump: unknown;
  try {
    dump = JSON.parse(await readFile(flags.file, "utf8"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw error;
    throw new GatewayConfigError("(document)", `not JSON: ${(error as Error).message}`);
  }
  const clusterMap: Record<string, SocketAddress[]> = {};
  let testbedEndpoints: Record<string, SocketAddress[]> = {};
  let trustedCa = flags.trust;
  if (flags.testbedGateway) {
    const testbed = endpointsOfConfigDump(await testbedGatewayDump(flags.testbedGateway));
    testbedEndpoints = testbed.clusterMap;
    trustedCa ??= testbed.trustedCa;
  }
  for (const mapping of flags.mapCluster) {
    const [name, addresses] = parseClusterMapping(mapping);
    clusterMap[name] = addresses;
  }
  const converted = await bootstrapFromConfigDump(dump, {
    clusterMap,
    testbedEndpoints,
    listenHost: flags.listen,
    freePorts: flags.freePorts,
    ...(trustedCa ? { trustedCa } : {}),
  });
  // Mapping onto a testbed names all its clusters; only those in the customer's dump matter.
  const unsupported = flags.testbedGateway
    ? converted.unsupported.filter(
        (line) =>
          !line.startsWith("--map-cluster ") || flags.mapCluster.some((m) => line.includes(m.split("=")[0] ?? "")),
      )
    : converted.unsupported;
  const report = [
    ...converted.notes.map((note) => `note: ${note}`),
    ...unsupported.map((line) => `unsupported: ${line}`),
  ];
  return { bootstrap: converted.bootstrap, report };
}

/** `oc exec <gateway pod> -c istio-proxy -- pilot-agent request GET config_dump` against the running testbed. */
async function testbedGatewayDump(gateway: string): Promise<unknown> {
  const { runOc } = await import("@testbed/oc");
  const oc = async (...argv: string[]) => {
    let out = "";
    let err = "";
    const code = await runOc(argv, {
      out: (text) => {
        out += text;
      },
      err: (text) => {
        err += text;
      },
      readStdin: async () => "",
      env: process.env,
      now: () => Date.now(),
    });
    if (code !== 0) throw new Error(`--testbed: oc ${argv.join(" ")}: ${err.trim()}`);
    return out;
  };
  const selector = `gateway.networking.k8s.io/gateway-name=${gateway}`;
  const pod = await oc(
    "get",
    "pods",
    "-A",
    "-l",
    selector,
    "-o",
    "jsonpath={.items[0].metadata.namespace} {.items[0].metadata.name}",
  );
  const [namespace, name] = pod.trim().split(" ");
  if (!namespace || !name) throw new Error(`--testbed: the running testbed has no pod of gateway ${gateway}`);
  const dump = await oc(
    "exec",
    "-n",
    namespace,
    name,
    "-c",
    "istio-proxy",
    "--",
    "pilot-agent",
    "request",
    "GET",
    "config_dump",
  );
  return JSON.parse(dump);
}
