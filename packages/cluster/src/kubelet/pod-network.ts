// Pod IPs on loopback. Linux routes all of 127.0.0.0/8 to the loopback interface, so each pod can
// bind its own address and keep its real ports (every vLLM pod on 8000, as in the cluster). The
// addresses mirror an OpenShift pod network: node N owns 127.<128+N>.<subnet>.0/24, like the
// seed's 10.129.18.21 → 127.129.18.21. Tests give each cluster its own subnet octet so test files
// can run side by side.

/** A node of the simulated cluster, with its slice of the loopback pod network. */
export interface Node {
  name: string;
  /** GPUs a pod may request (nvidia.com/gpu); 0 for CPU nodes. */
  gpus: number;
  gpuProfile: string;
  /** Second octet of this node's pod addresses. */
  octet: number;
  /** The Node object's labels, status.capacity and status.allocatable (quantities as Kubernetes writes them). */
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  /**
   * The scheduler fits requests into allocatable (node shapes a topology declares). The default
   * nodes do not, so a rolling update of a GPU Deployment never waits for a free GPU.
   */
  enforcesResources?: boolean;
}

export const DEFAULT_SUBNET = 18;

/** Four CPU workers and four T4 GPU workers (g4dn.xlarge: one T4 each), like the seed's ROSA cluster grown to 4 GPUs. */
export function defaultNodes(): Node[] {
  const cpu = [0, 1, 2, 3].map((i) => ({
    name: `ip-10-0-${20 + i}-11.ec2.internal`,
    gpus: 0,
    gpuProfile: "",
    octet: 0,
  }));
  const gpu = [0, 1, 2, 3].map((i) => ({
    name: `ip-10-0-${40 + i}-17.ec2.internal`,
    gpus: 1,
    gpuProfile: "t4",
    octet: 0,
  }));
  // Interleave so GPU nodes get the seed's octets 129 and 131 first.
  const ordered = [cpu[0], gpu[0], cpu[1], gpu[1], cpu[2], gpu[2], cpu[3], gpu[3]] as Node[];
  return ordered.map((node, index) => ({ ...node, octet: 128 + index }));
}

export class PodNetwork {
  private readonly nextHost = new Map<string, number>();
  private readonly released = new Map<string, number[]>();

  constructor(private readonly subnet = DEFAULT_SUBNET) {
    if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255)
      throw new Error(`pod subnet octet out of range: ${subnet}`);
  }

  /** The next free address on a node; freed addresses are reused after the fresh ones run out. */
  allocate(node: Node): string {
    const next = this.nextHost.get(node.name) ?? 21;
    if (next <= 254) {
      this.nextHost.set(node.name, next + 1);
      return `127.${node.octet}.${this.subnet}.${next}`;
    }
    const reused = this.released.get(node.name)?.shift();
    if (reused === undefined) throw new Error(`node ${node.name} has no free pod addresses`);
    return `127.${node.octet}.${this.subnet}.${reused}`;
  }

  release(node: Node, ip: string): void {
    const host = Number(ip.split(".").pop());
    const list = this.released.get(node.name) ?? [];
    list.push(host);
    this.released.set(node.name, list);
  }
}
