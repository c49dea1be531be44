// Is a pod subnet taken? Checked before a cluster starts, so a second testbed on the same subnet
// stops with a clear message instead of starting pods that cannot bind their addresses.
import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import { endianness } from "node:os";
import type { Node } from "./pod-network.js";

/** The subnet's pod addresses already have listeners (another testbed): which one, and a free subnet. */
export class SubnetInUseError extends Error {
  override name = "SubnetInUseError";
  constructor(
    readonly subnet: number,
    readonly listener: string,
    readonly freeSubnet: number | undefined,
  ) {
    super(
      `subnet ${subnet} is in use (${listener} is listening: another testbed?); ` +
        (freeSubnet === undefined ? "pass another --subnet" : `pass --subnet ${freeSubnet}`),
    );
  }
}

/** Ports the first pods of a node listen on (gateway, vLLM, EPP, Envoy health), for systems without /proc. */
const PROBE_PORTS = [443, 8000, 9002, 15021];

/** Throw SubnetInUseError when something listens on a pod address of `subnet` (127.<node octet>.<subnet>.x). */
export async function checkSubnetFree(subnet: number, nodes: readonly Node[]): Promise<void> {
  const octets = new Set(nodes.map((node) => node.octet));
  const listeners = await loopbackListeners();
  if (listeners) {
    const onPodAddresses = listeners.filter(([a, b]) => a === 127 && octets.has(b));
    const taken = onPodAddresses.find(([, , c]) => c === subnet);
    if (!taken) return;
    const used = new Set(onPodAddresses.map(([, , c]) => c));
    throw new SubnetInUseError(
      subnet,
      format(taken),
      nextFree(subnet, (candidate) => !used.has(candidate)),
    );
  }
  const taken = await probeSubnet(subnet, octets);
  if (!taken) return;
  // Without /proc: probe the following subnets one by one for a suggestion (a few at most, in practice).
  let free: number | undefined;
  for (
    let candidate = (subnet + 1) % 256;
    candidate !== subnet && free === undefined;
    candidate = (candidate + 1) % 256
  )
    if (!(await probeSubnet(candidate, octets))) free = candidate;
  throw new SubnetInUseError(subnet, taken, free);
}

type Listener = [number, number, number, number, number];

function format([a, b, c, d, port]: Listener): string {
  return `${a}.${b}.${c}.${d}:${port}`;
}

function nextFree(subnet: number, free: (candidate: number) => boolean): number | undefined {
  for (let step = 1; step < 256; step++) {
    const candidate = (subnet + step) % 256;
    if (free(candidate)) return candidate;
  }
  return undefined;
}

/** Every IPv4 TCP listener (Linux's /proc/net/tcp), or undefined where there is no such file. */
async function loopbackListeners(): Promise<Listener[] | undefined> {
  const text = await readFile("/proc/net/tcp", "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const listeners: Listener[] = [];
  for (const line of text.split("\n").slice(1)) {
    const [, local, , state] = line.trim().split(/\s+/);
    if (state !== "0A" || !local) continue; // 0A: LISTEN
    const [hexAddress = "", hexPort = ""] = local.split(":");
    const bytes = (hexAddress.match(/../g) ?? []).map((pair) => Number.parseInt(pair, 16));
    // The kernel prints the address as a host-order number: byte-reversed on little-endian machines.
    if (endianness() === "LE") bytes.reverse();
    if (bytes.length === 4)
      listeners.push([...(bytes as [number, number, number, number]), Number.parseInt(hexPort, 16)]);
  }
  return listeners;
}

/** Connect to the usual first-pod ports of each node on the subnet; the first that answers, if any. */
async function probeSubnet(subnet: number, octets: Set<number>): Promise<string | undefined> {
  const targets = [...octets].flatMap((octet) =>
    PROBE_PORTS.map((port) => ({ host: `127.${octet}.${subnet}.21`, port })),
  );
  const answers = await Promise.all(targets.map(({ host, port }) => listening(host, port)));
  const index = answers.indexOf(true);
  return index < 0 ? undefined : `${targets[index]?.host}:${targets[index]?.port}`;
}

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 300 });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
