// What /config_dump knows besides the config itself: whether listeners and clusters came from the
// bootstrap file (Envoy started with a config: `static_listeners`, `static_clusters`) or from xDS
// pushes (istiod → the gateway pod: `dynamic_listeners`, `dynamic_active_clusters`), and per
// resource the version and time of the push that last changed it, as Envoy's listener and cluster
// managers keep them (`version_info`, `last_updated`). An unchanged resource keeps both.
import { createHash } from "node:crypto";

/** Where listeners and clusters come from. */
export type ConfigDelivery = "static" | "xds";

/** One resource's last change. */
export interface ResourceStamp {
  versionInfo: string | undefined;
  lastUpdated: Date;
}

export class ConfigHistory {
  private current: Record<string, unknown> = {};
  private pushes = 0;
  private latestVersion: string | undefined;
  private loadedAt = new Date(0);
  private readonly stamps = new Map<string, ResourceStamp & { hash: string }>();

  constructor(readonly delivery: ConfigDelivery) {}

  /** The bootstrap, or the last config pushed. */
  get document(): Record<string, unknown> {
    return this.current;
  }

  /** The version of the last push (xDS only): Istio's `<RFC 3339 time>/<push number>`. */
  get versionInfo(): string | undefined {
    return this.latestVersion;
  }

  get bootstrapLoaded(): Date {
    return this.loadedAt;
  }

  /** Records a config as loaded (the first) or pushed (later ones) at `now`. */
  record(document: Record<string, unknown>, now: Date): void {
    if (this.pushes === 0) this.loadedAt = now;
    this.pushes++;
    this.current = document;
    this.latestVersion =
      this.delivery === "xds" ? `${now.toISOString().replace(/\.\d{3}Z$/, "Z")}/${this.pushes}` : undefined;
    const resources = (document.static_resources ?? {}) as Record<string, unknown>;
    for (const kind of ["listeners", "clusters", "secrets"] as const) {
      for (const resource of (resources[kind] ?? []) as Array<Record<string, unknown>>) {
        const key = `${kind}/${String(resource.name)}`;
        const hash = createHash("sha256").update(JSON.stringify(resource)).digest("hex");
        if (this.stamps.get(key)?.hash === hash) continue;
        this.stamps.set(key, { hash, versionInfo: this.latestVersion, lastUpdated: now });
      }
    }
  }

  /** When the named listener, cluster or secret last changed, and in which push. */
  stamp(kind: "listeners" | "clusters" | "secrets", name: string): ResourceStamp {
    return this.stamps.get(`${kind}/${name}`) ?? { versionInfo: this.latestVersion, lastUpdated: this.loadedAt };
  }
}
