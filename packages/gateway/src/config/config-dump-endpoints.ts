// Where a customer's clusters go on this machine, read from a running testbed gateway's own
// /config_dump (`testbed gateway --config-dump FILE --testbed`): the testbed names its clusters as
// Istio does (outbound|<port>|<subset>|<host>), so a cluster of the customer's dump maps onto the
// testbed cluster of the same name — its pods' addresses — and the customer's istio-agent CA file
// onto the testbed gateway's (the testbed's service CA, which signed its pods' serving certificates).
import type { SocketAddress } from "./envoy-types.js";

type Raw = Record<string, unknown>;

export interface DumpEndpoints {
  clusterMap: Record<string, SocketAddress[]>;
  trustedCa?: string;
}

export function endpointsOfConfigDump(input: unknown): DumpEndpoints {
  const configs = ((input as Raw | undefined)?.configs ?? []) as Raw[];
  const clusterMap: Record<string, SocketAddress[]> = {};
  let trustedCa: string | undefined;
  for (const config of configs) {
    if (!String(config["@type"]).endsWith("ClustersConfigDump")) continue;
    const entries = [
      ...((config.static_clusters ?? []) as Raw[]),
      ...((config.dynamic_active_clusters ?? []) as Raw[]),
    ];
    for (const { cluster } of entries as Array<{ cluster: Raw }>) {
      const addresses = socketAddresses(cluster.load_assignment as Raw | undefined);
      if (addresses.length > 0) clusterMap[String(cluster.name)] = addresses;
      trustedCa ??= /"file-root:(?!system")([^"]+)"/.exec(JSON.stringify(cluster.transport_socket ?? {}))?.[1];
    }
  }
  return { clusterMap, ...(trustedCa ? { trustedCa } : {}) };
}

function socketAddresses(assignment: Raw | undefined): SocketAddress[] {
  const out: SocketAddress[] = [];
  for (const locality of (assignment?.endpoints ?? []) as Raw[])
    for (const lb of (locality.lb_endpoints ?? []) as Raw[]) {
      const socket = ((lb.endpoint as Raw | undefined)?.address as Raw | undefined)?.socket_address as Raw | undefined;
      if (socket?.address) out.push({ address: String(socket.address), port_value: Number(socket.port_value) });
    }
  return out;
}

/** `--map-cluster NAME=ADDR:PORT[,ADDR:PORT…]`; the name may itself hold `|` and `=`-free text. */
export function parseClusterMapping(value: string): [string, SocketAddress[]] {
  const at = value.lastIndexOf("=");
  if (at <= 0) throw new Error(`--map-cluster ${value}: expected NAME=ADDR:PORT[,ADDR:PORT]`);
  const addresses = value
    .slice(at + 1)
    .split(",")
    .map((entry) => {
      const match = /^(.+):(\d{1,5})$/.exec(entry.trim());
      if (!match || Number(match[2]) > 65535) throw new Error(`--map-cluster ${value}: ${entry} is not ADDR:PORT`);
      return { address: (match[1] as string).replace(/^\[|\]$/g, ""), port_value: Number(match[2]) };
    });
  return [value.slice(0, at), addresses];
}
