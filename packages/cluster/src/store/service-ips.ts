import type { KubeObject } from "@testbed/apimachinery";

/**
 * ClusterIP allocation, as the API server does it on Service creation: a free address from
 * OpenShift's default service network 172.30.0.0/16, chosen from a hash of the Service's name so
 * that runs are reproducible. The addresses are what `oc get svc` shows; nothing routes them —
 * in-cluster traffic goes through the mesh's endpoints, and `oc exec … curl` resolves Service
 * DNS names to a Ready pod.
 */
export class ServiceIpAllocator {
  private readonly used = new Set<string>();

  assign(service: KubeObject): void {
    if (!service.spec) service.spec = {};
    const spec = service.spec as { clusterIP?: string; clusterIPs?: string[]; type?: string };
    if (spec.type === "ExternalName") return;
    if (spec.clusterIP === "None") {
      spec.clusterIPs = ["None"];
      return;
    }
    if (spec.clusterIP && this.used.has(spec.clusterIP)) {
      throw new Error(`provided IP is already allocated: ${spec.clusterIP}`);
    }
    const ip = spec.clusterIP ?? this.free(`${service.metadata.namespace}/${service.metadata.name}`);
    this.used.add(ip);
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    spec.type = spec.type ?? "ClusterIP";
  }

  /** A copy with the same addresses in use (a dry-run store's). */
  copy(): ServiceIpAllocator {
    const copy = new ServiceIpAllocator();
    for (const ip of this.used) copy.used.add(ip);
    return copy;
  }

  release(service: KubeObject): void {
    const ip = service.spec?.clusterIP;
    if (typeof ip === "string") this.used.delete(ip);
  }

  private free(seed: string): string {
    let n = fnv1a(seed) % 65_024;
    for (;;) {
      // Skip .0 and .255 of each /24, and the first /24 (the API server's own addresses).
      const ip = `172.30.${1 + Math.floor(n / 254)}.${1 + (n % 254)}`;
      if (!this.used.has(ip)) return ip;
      n = (n + 1) % 65_024;
    }
  }
}

function fnv1a(text: string): number {
  let hash = 2166136261;
  for (const char of text) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash;
}
