// What a gateway proxy ends up running when istiod pushes a config it refuses. Envoy validates each
// xDS update and NACKs one it cannot load: it keeps the resources of that type it had, and istiod
// logs `ADS:<type>: ACK ERROR <connection> <code>:<message>` (pilot/pkg/xds/delta.go). Listener and
// cluster updates are separate types, so a refused listener (an ext_proc filter Envoy rejects)
// leaves the clusters — and their endpoints — updating. Routes are inlined in the listeners here
// (Istio serves them over RDS), so a refused route holds back the listener update with it.
import type { EnvoyConfig } from "../../mesh-config-hub.js";
import { checkGatewayConfig } from "../config-validation.js";

/** The config the proxy runs after the push, and the NACK when it refused part of it. */
export interface PushOutcome {
  config: EnvoyConfig;
  nack?: { type: "LDS" | "CDS"; message: string };
}

type Resources = { listeners?: unknown[]; clusters?: unknown[] };

export function pushToProxy(pushed: EnvoyConfig, previous: EnvoyConfig | undefined): PushOutcome {
  const error = checkGatewayConfig(pushed).error;
  if (error === undefined) return { config: pushed };
  const type = error.startsWith("static_resources.clusters") ? "CDS" : "LDS";
  const before = (previous?.static_resources ?? { listeners: [], clusters: [] }) as Resources;
  const now = pushed.static_resources as Resources;
  const kept: EnvoyConfig =
    type === "LDS"
      ? { ...pushed, static_resources: { ...now, listeners: structuredClone(before.listeners ?? []) } }
      : { ...pushed, static_resources: { ...now, clusters: structuredClone(before.clusters ?? []) } };
  const config = checkGatewayConfig(kept).error === undefined ? kept : (previous ?? kept);
  return { config, nack: { type, message: error } };
}
