// The way a logged request went through the picture: its gateway, the HTTPRoute its route name
// comes from (Istio names routes `<namespace>.<HTTPRoute>.<rule>`), the InferencePool behind that
// route, and the pod its upstream host is.
import type { FlowEvent, TopologyAnswer } from "./api.js";

export function flowPath(flow: FlowEvent, topology: TopologyAnswer): string[] {
  const path: string[] = [];
  const gateway = topology.nodes.find((n) => n.kind === "Gateway" && n.name === flow.gateway);
  if (gateway) path.push(gateway.id);
  const routeName = flow.entry.routeName;
  if (routeName) {
    const [namespace, name] = routeName.split(".");
    const route = topology.nodes.find((n) => n.kind === "HTTPRoute" && n.namespace === namespace && n.name === name);
    if (route) {
      path.push(route.id);
      const pool = topology.edges.find((e) => e.from === route.id && e.to.startsWith("InferencePool/"));
      if (pool && flow.toPool) path.push(pool.to);
    }
  }
  const pod = topology.nodes.find((n) => n.kind === "Pod" && n.name === flow.pod);
  if (pod) path.push(pod.id);
  return path;
}
