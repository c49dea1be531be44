// The pd-sidecar's SSRF allow-list source (llm-d pkg/sidecar/proxy/allowlist.go, AllowlistValidator):
// it watches its one InferencePool, turns spec.selector into a label set by printing each top-level
// entry (`labels.Set{k: fmt.Sprintf("%v", v)}`), watches the pods of the pool's namespace that match,
// and allows every such pod's IP and name once it has an IP. A v1 pool's selector is
// `{matchLabels: {...}}`: its one entry prints as `map[…]`, not a label value, so the pod LIST is
// refused and nothing is allowed — as in a real cluster. Here the watch is on the testbed's store.
import { type KubeObject, kindKey, labelValueProblems } from "@testbed/apimachinery";
import type { StoreView } from "../store/store-view.js";

/** InferencePool groups the validator knows (inferencePoolGroupToVersion). */
export const SIDECAR_POOL_GROUPS = ["inference.networking.k8s.io", "inference.networking.x-k8s.io"] as const;

export interface PoolRef {
  group: string;
  namespace: string;
  name: string;
}

/** NewAllowlistValidator's refusal of a group it has no version for; undefined when known. */
export function unsupportedPoolGroup(group: string): string | undefined {
  if ((SIDECAR_POOL_GROUPS as readonly string[]).includes(group)) return undefined;
  return `unsupported poolGroup: ${group}, must be one of [${SIDECAR_POOL_GROUPS.join(" ")}]`;
}

export class PoolMembersWatch {
  private members: ReadonlySet<string> = new Set();
  private readonly poolKey: string;
  private readonly unwatch: () => void;
  private refusedSelector: string | undefined;
  /** The label set of the pod informer now running; undefined while the pool or its LIST is missing. */
  private selector: Map<string, string> | undefined;

  constructor(
    private readonly store: StoreView,
    private readonly pool: PoolRef,
    private readonly log: (line: string) => void,
  ) {
    this.poolKey = kindKey({ group: pool.group, kind: "InferencePool" });
    this.rebuild();
    // Its informers watch the one pool, and the pods of its namespace the pool's labels select: a pod
    // entering or leaving that set is an event, any other pod is not.
    this.unwatch = store.watch((event) => {
      const { namespace, name } = event.object.metadata;
      if (namespace !== this.pool.namespace) return;
      if (event.key === this.poolKey && name === this.pool.name) this.rebuild();
      else if (event.key === "Pod" && (this.selects(event.object) || this.selects(event.previous))) this.rebuild();
    });
  }

  /** The allowed hosts: pod IPs and pod names (rebuildAllowlist). */
  current(): ReadonlySet<string> {
    return this.members;
  }

  close(): void {
    this.unwatch();
  }

  private rebuild(): void {
    const pool = this.store.peek(this.poolKey, this.pool.namespace, this.pool.name);
    const selector = pool ? labelSet(pool) : undefined;
    this.selector = selector && this.accepted(selector) ? selector : undefined;
    const next = new Set<string>();
    for (const pod of this.selector ? this.store.peekList("Pod", { namespace: this.pool.namespace }) : []) {
      if (!this.selects(pod)) continue;
      const ip = pod.status?.podIP;
      if (typeof ip !== "string" || ip === "") continue;
      next.add(ip);
      next.add(pod.metadata.name);
    }
    this.members = next;
  }

  private selects(pod: KubeObject | undefined): boolean {
    return pod !== undefined && this.selector !== undefined && matches(this.selector, pod.metadata.labels ?? {});
  }

  /**
   * The API server refuses a selector whose values are not label values (the LIST fails, retried):
   * labels/selector.go validateLabelValue, IsValidLabelValue's messages joined with "; ".
   */
  private accepted(selector: Map<string, string>): boolean {
    const invalid = [...selector].find(([, value]) => labelValueProblems(value).length > 0);
    if (!invalid) return true;
    const [key, value] = invalid;
    const problems = labelValueProblems(value).join("; ");
    const text = [...selector].map(([k, v]) => `${k}=${v}`).join(",");
    if (this.refusedSelector !== text) {
      this.refusedSelector = text;
      this.log(
        `E reflector.go: "Failed to watch" err="failed to list *unstructured.Unstructured: unable to parse requirement: values[0][${key}]: Invalid value: \\"${value}\\": ${problems}"`,
      );
    }
    return false;
  }
}

/** updatePodsForPool's label set: each entry of spec.selector printed with Go's %v. */
function labelSet(pool: KubeObject): Map<string, string> | undefined {
  const selector = pool.spec?.selector;
  if (typeof selector !== "object" || selector === null) return undefined;
  return new Map(Object.entries(selector as Record<string, unknown>).map(([key, value]) => [key, goValue(value)]));
}

/** fmt.Sprintf("%v") of a JSON value: maps print as map[k:v …] with sorted keys. */
function goValue(value: unknown): string {
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([key, item]) => `${key}:${goValue(item)}`).join(" ")}]`;
  }
  if (Array.isArray(value)) return `[${value.map(goValue).join(" ")}]`;
  return String(value);
}

function matches(selector: Map<string, string>, labels: Record<string, string>): boolean {
  for (const [key, value] of selector) if (labels[key] !== value) return false;
  return true;
}
