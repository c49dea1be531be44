// istiod's push channel, in process: the mesh controller publishes each gateway's Envoy v3
// config under `<namespace>/<gateway name>`, and the gateway pods' istio-proxy containers
// subscribe to their own gateway's key (from the pod's `gateway.networking.k8s.io/gateway-name`
// label) and apply each new config live.

/** A gateway's Envoy v3 bootstrap, as JSON. */
export type EnvoyConfig = Record<string, unknown>;

/** The latest config per `<namespace>/<gateway name>` key, and who is subscribed to it. */
export class MeshConfigHub {
  private readonly configs = new Map<string, EnvoyConfig>();
  private readonly listeners = new Map<string, Set<(config: EnvoyConfig) => void>>();

  publish(gatewayKey: string, config: EnvoyConfig): void {
    this.configs.set(gatewayKey, config);
    for (const listener of this.listeners.get(gatewayKey) ?? []) listener(structuredClone(config));
  }

  /** Whether a config is published for the gateway (without copying it, as current does). */
  has(gatewayKey: string): boolean {
    return this.configs.has(gatewayKey);
  }

  current(gatewayKey: string): EnvoyConfig | undefined {
    const config = this.configs.get(gatewayKey);
    return config ? structuredClone(config) : undefined;
  }

  /** Listen for new configs of one gateway; the current one, if any, is delivered at once. */
  subscribe(gatewayKey: string, listener: (config: EnvoyConfig) => void): () => void {
    let set = this.listeners.get(gatewayKey);
    if (!set) {
      set = new Set();
      this.listeners.set(gatewayKey, set);
    }
    set.add(listener);
    const current = this.configs.get(gatewayKey);
    if (current) listener(structuredClone(current));
    return () => set.delete(listener);
  }

  remove(gatewayKey: string): void {
    this.configs.delete(gatewayKey);
  }

  keys(): string[] {
    return [...this.configs.keys()];
  }
}
