import { silentSink } from "@testbed/common";
import { startVllmSim, type VllmSimHandle } from "@testbed/vllm-sim";
import { request } from "undici";
import { stringify } from "yaml";

/** One pod of the pool: where it listens, and its role (`llm-d.ai/role`). */
export interface PoolPodSpec {
  host: string;
  port: number;
  role: "prefill" | "decode";
}

export interface PoolPod extends PoolPodSpec {
  name: string;
  /** ip:port, as the EPP names it in x-gateway-destination-endpoint. */
  hostPort: string;
  handle: VllmSimHandle;
}

/** Four pods on their own loopback addresses, as in llm-d's no-Kubernetes examples. */
export const DEFAULT_POOL: readonly PoolPodSpec[] = [
  { host: "127.0.0.11", port: 8000, role: "prefill" },
  { host: "127.0.0.12", port: 8000, role: "prefill" },
  { host: "127.0.0.13", port: 8000, role: "decode" },
  { host: "127.0.0.14", port: 8000, role: "decode" },
];

/** llm-d's endpoints.yaml (file-discovery plugin, no-Kubernetes mode) for a pool's pods. */
export function endpointsYaml(specs: readonly PoolPodSpec[]): string {
  return stringify({
    endpoints: specs.map((spec, index) => ({
      name: podName(spec, index),
      namespace: "default",
      address: spec.host,
      port: String(spec.port),
      labels: { "llm-d.ai/role": spec.role },
    })),
  });
}

function podName(spec: PoolPodSpec, index: number): string {
  return `contract-${spec.role}-${index}`;
}

/**
 * The model-server pods a contract run steers: vllm-sim pods the suite starts itself, half prefill
 * and half decode (label `llm-d.ai/role`), whose queue depth and KV usage it forces through their
 * admin API so it knows which pod any EPP ought to prefer.
 */
export class ContractPool {
  private constructor(readonly pods: PoolPod[]) {}

  static async start(specs: readonly PoolPodSpec[] = DEFAULT_POOL): Promise<ContractPool> {
    const pods = await Promise.all(
      specs.map(async (spec, index) => {
        const handle = await startVllmSim({
          host: spec.host,
          port: spec.port,
          role: spec.role,
          timeScale: 0,
          log: silentSink,
          adminPort: 0,
        });
        const port = Number(new URL(handle.url).port);
        return { ...spec, port, name: podName(spec, index), hostPort: `${spec.host}:${port}`, handle };
      }),
    );
    return new ContractPool(pods);
  }

  byRole(role: "prefill" | "decode"): PoolPod[] {
    return this.pods.filter((pod) => pod.role === role);
  }

  /** Force the gauges the EPP scrapes on one pod. */
  async setLoad(pod: PoolPod, load: { numRequestsWaiting?: number; kvCacheUsagePerc?: number }): Promise<void> {
    const response = await request(`${pod.handle.adminUrl}/admin/metrics`, {
      method: "PUT",
      body: JSON.stringify(load),
    });
    await response.body.dump();
  }

  async resetLoad(): Promise<void> {
    await Promise.all(
      this.pods.map((pod) =>
        request(`${pod.handle.adminUrl}/admin/metrics`, { method: "DELETE" }).then((r) => r.body.dump()),
      ),
    );
  }

  /** llm-d's endpoints.yaml for the pods as started. */
  endpointsYaml(): string {
    return endpointsYaml(this.pods);
  }

  async close(): Promise<void> {
    await Promise.all(this.pods.map((pod) => pod.handle.close()));
  }
}
