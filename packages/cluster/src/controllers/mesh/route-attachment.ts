// Which HTTPRoutes attach to which listeners of a Gateway, by Gateway API's rules: a parentRef names
// the Gateway (optionally one listener by sectionName or port); the listener's allowedRoutes must
// admit the route's namespace (Same by default, All, or a namespace Selector) and kind; listener and
// route hostnames must intersect. Each parentRef gets an Accepted verdict with Gateway API's reasons.
import type { KubeObject } from "@testbed/apimachinery";
import { matchesSelector, selectorFromObject } from "@testbed/apimachinery";
import { byAge, findObject, type MeshSnapshot } from "./mesh-snapshot.js";
import { GATEWAY_GROUP } from "./names.js";

/** One listener of a Gateway, with what route attachment checks. */
export interface GatewayListenerView {
  name: string;
  port: number;
  protocol: string;
  hostname: string | undefined;
  gatewayNamespace: string;
  spec: Record<string, unknown>;
}

export interface ParentAttachment {
  route: KubeObject;
  parentRef: Record<string, unknown>;
  accepted: boolean;
  reason: "Accepted" | "NotAllowedByListeners" | "NoMatchingListenerHostname" | "NoMatchingParent";
  message: string;
  /** Attached listeners, with the hostnames the route serves on each. */
  listeners: Array<{ listener: GatewayListenerView; hostnames: string[] }>;
}

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTPS"]);

export function gatewayListeners(gateway: KubeObject): GatewayListenerView[] {
  return ((gateway.spec?.listeners ?? []) as Array<Record<string, unknown>>).map((spec) => ({
    name: String(spec.name ?? ""),
    port: Number(spec.port),
    protocol: String(spec.protocol ?? "HTTP"),
    hostname: typeof spec.hostname === "string" && spec.hostname !== "" ? spec.hostname : undefined,
    gatewayNamespace: gateway.metadata.namespace ?? "default",
    spec,
  }));
}

/** parentRef with Gateway API's defaults filled in (group, kind, namespace). */
export function normalizedParentRef(ref: Record<string, unknown>, routeNamespace: string): Record<string, unknown> {
  return {
    group: ref.group ?? GATEWAY_GROUP,
    kind: ref.kind ?? "Gateway",
    namespace: ref.namespace ?? routeNamespace,
    name: ref.name,
    ...(ref.sectionName !== undefined ? { sectionName: ref.sectionName } : {}),
    ...(ref.port !== undefined ? { port: ref.port } : {}),
  };
}

/** Every parentRef of every HTTPRoute that names this Gateway, with its verdict; routes oldest first. */
export function attachRoutes(snapshot: MeshSnapshot, gateway: KubeObject): ParentAttachment[] {
  const listeners = gatewayListeners(gateway);
  const out: ParentAttachment[] = [];
  for (const route of [...snapshot.httpRoutes].sort(byAge)) {
    const routeNamespace = route.metadata.namespace ?? "default";
    for (const raw of (route.spec?.parentRefs ?? []) as Array<Record<string, unknown>>) {
      const ref = normalizedParentRef(raw, routeNamespace);
      if (ref.group !== GATEWAY_GROUP || ref.kind !== "Gateway") continue;
      if (ref.name !== gateway.metadata.name || ref.namespace !== gateway.metadata.namespace) continue;
      out.push(attach(snapshot, route, ref, listeners));
    }
  }
  return out;
}

function attach(
  snapshot: MeshSnapshot,
  route: KubeObject,
  ref: Record<string, unknown>,
  listeners: GatewayListenerView[],
): ParentAttachment {
  const verdict = (reason: ParentAttachment["reason"], message: string): ParentAttachment => ({
    route,
    parentRef: ref,
    accepted: false,
    reason,
    message,
    listeners: [],
  });
  const named = listeners.filter(
    (l) =>
      (ref.sectionName === undefined || l.name === ref.sectionName) &&
      (ref.port === undefined || l.port === Number(ref.port)),
  );
  if (named.length === 0) {
    return verdict("NoMatchingParent", `no listener of the Gateway matches sectionName/port of the parentRef`);
  }
  const namespace = route.metadata.namespace ?? "default";
  const allowed = named.filter((l) => HTTP_PROTOCOLS.has(l.protocol) && admits(snapshot, l, namespace));
  if (allowed.length === 0) {
    return verdict("NotAllowedByListeners", `namespace "${namespace}" is not allowed by the parent`);
  }
  const routeHosts = ((route.spec?.hostnames ?? []) as string[]).filter((h) => typeof h === "string" && h !== "");
  const attached = allowed
    .map((listener) => ({ listener, hostnames: intersectHostnames(listener.hostname, routeHosts) }))
    .filter((a) => a.hostnames.length > 0);
  if (attached.length === 0) {
    return verdict("NoMatchingListenerHostname", "no hostnames matched parent hostname");
  }
  return { route, parentRef: ref, accepted: true, reason: "Accepted", message: "Route was valid", listeners: attached };
}

function admits(snapshot: MeshSnapshot, listener: GatewayListenerView, routeNamespace: string): boolean {
  const allowedRoutes = (listener.spec.allowedRoutes ?? {}) as {
    namespaces?: { from?: string; selector?: unknown };
    kinds?: Array<{ group?: string; kind?: string }>;
  };
  if (allowedRoutes.kinds && allowedRoutes.kinds.length > 0) {
    const httpRoute = allowedRoutes.kinds.some(
      (k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === "HTTPRoute",
    );
    if (!httpRoute) return false;
  }
  const from = allowedRoutes.namespaces?.from ?? "Same";
  if (from === "All") return true;
  if (from === "Selector") {
    const namespace = findObject(snapshot.namespaces, undefined, routeNamespace);
    const labels = { "kubernetes.io/metadata.name": routeNamespace, ...(namespace?.metadata.labels ?? {}) };
    return matchesSelector(selectorFromObject(allowedRoutes.namespaces?.selector ?? {}), labels);
  }
  return listener.gatewayNamespace === routeNamespace;
}

/** Hostnames both a listener and a route accept; `*` when neither restricts. */
export function intersectHostnames(listenerHost: string | undefined, routeHosts: string[]): string[] {
  if (routeHosts.length === 0) return [listenerHost ?? "*"];
  if (!listenerHost) return [...new Set(routeHosts)];
  const out = new Set<string>();
  for (const host of routeHosts) {
    if (host === listenerHost || wildcardCovers(listenerHost, host)) out.add(host);
    else if (wildcardCovers(host, listenerHost)) out.add(listenerHost);
  }
  return [...out];
}

function wildcardCovers(pattern: string, host: string): boolean {
  return pattern.startsWith("*.") && host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}
