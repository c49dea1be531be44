import { isDeepStrictEqual } from "node:util";
import {
  type Condition,
  controllerReference,
  isPodReady,
  type KubeObject,
  kubeTime,
  setCondition,
} from "@testbed/apimachinery";
import { hashString } from "@testbed/common";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";
import { type ControllerContext, eventKey, QueuedController, splitKey } from "./controller.js";

const DEPLOYMENT = "apps/Deployment";
const REPLICA_SET = "apps/ReplicaSet";
const POD = "Pod";
const REVISION = "deployment.kubernetes.io/revision";
/** Kubernetes' "safe" alphabet for generated names: no vowels, no look-alike characters. */
const SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/**
 * The Deployment controller and the ReplicaSet controller folded into one: each pod template gets a
 * ReplicaSet `<deployment>-<pod-template-hash>` (owned by the Deployment, numbered by the
 * `deployment.kubernetes.io/revision` annotation that `kubectl rollout history` reads), whose pods
 * `<replicaset>-<suffix>` it owns; rolled with the RollingUpdate strategy's defaults (maxSurge 25%
 * rounded up, maxUnavailable 25% rounded down): new-template pods first, an old pod removed only
 * once a new one is Ready. The ReplicaSets record the counts; this controller moves the pods itself.
 * Pod status belongs to the kubelet; this controller only reads it.
 */
export class DeploymentController extends QueuedController {
  readonly name = "deployment-controller";

  protected initialKeys(context: ControllerContext): string[] {
    return context.store.list(DEPLOYMENT).map((d) => `${d.metadata.namespace}/${d.metadata.name}`);
  }

  protected keysFor(event: WatchEvent, context: ControllerContext): string[] {
    if (event.key === DEPLOYMENT) return [eventKey(event)];
    if (event.key !== POD) return [];
    const namespace = event.object.metadata.namespace;
    const owner = event.object.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === "ReplicaSet");
    const replicaSet = owner ? context.store.peek(REPLICA_SET, namespace, owner.name) : undefined;
    const deployment = replicaSet?.metadata.ownerReferences?.find((ref) => ref.controller && ref.kind === "Deployment");
    return deployment ? [`${namespace}/${deployment.name}`] : [];
  }

  protected reconcile(key: string, context: ControllerContext): void {
    const { namespace, name } = splitKey(key);
    const deployment = context.store.peek(DEPLOYMENT, namespace, name);
    // A deleted Deployment's pods go with it through their owner references.
    if (!deployment || deployment.metadata.deletionTimestamp) return;
    const rollout = new Rollout(context.store, deployment);
    rollout.converge();
    rollout.recordReplicaSets();
    const status = rollout.status(deployment.status?.conditions, kubeTime(context.clock.now()));
    if (!isDeepStrictEqual(status, deployment.status)) context.store.updateStatus(DEPLOYMENT, namespace, name, status);
  }
}

/** One reconcile of one Deployment: its pods split by template hash, and the moves that follow. */
class Rollout {
  private readonly replicas: number;
  private readonly hash: string;
  private readonly maxSurge: number;
  private readonly maxUnavailable: number;
  private current: KubeObject[] = [];
  private old: KubeObject[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly deployment: KubeObject,
  ) {
    this.replicas = Math.max(0, Number(deployment.spec?.replicas ?? 1));
    this.hash = podTemplateHash(deployment.spec?.template ?? {});
    const limits = rollingLimits(deployment.spec?.strategy, this.replicas);
    this.maxSurge = limits.maxSurge;
    this.maxUnavailable = limits.maxUnavailable;
    this.observe();
  }

  converge(): void {
    if (this.deployment.spec?.strategy?.type === "Recreate") this.recreate();
    else this.rollingUpdate();
  }

  status(previous: Condition[] | undefined, now: string): Record<string, unknown> {
    this.observe();
    const all = [...this.current, ...this.old];
    const ready = all.filter(isPodReady).length;
    const updated = this.current.length;
    const unavailable = Math.max(0, this.replicas - ready);
    const available = ready >= this.replicas - this.maxUnavailable;
    const complete = updated === this.replicas && this.old.length === 0 && ready >= this.replicas;
    const replicaSet = `${this.deployment.metadata.name}-${this.hash}`;
    let conditions = setCondition(
      previous,
      available
        ? {
            type: "Available",
            status: "True",
            reason: "MinimumReplicasAvailable",
            message: "Deployment has minimum availability.",
          }
        : {
            type: "Available",
            status: "False",
            reason: "MinimumReplicasUnavailable",
            message: "Deployment does not have minimum availability.",
          },
      now,
    );
    conditions = setCondition(
      conditions,
      complete
        ? {
            type: "Progressing",
            status: "True",
            reason: "NewReplicaSetAvailable",
            message: `ReplicaSet "${replicaSet}" has successfully progressed.`,
          }
        : {
            type: "Progressing",
            status: "True",
            reason: "ReplicaSetUpdated",
            message: `ReplicaSet "${replicaSet}" is progressing.`,
          },
      now,
    );
    // The API omits zero counts (omitempty), so `-o jsonpath='{.status.readyReplicas}'` prints nothing at zero.
    return withoutZeros({
      observedGeneration: this.deployment.metadata.generation ?? 1,
      replicas: all.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: unavailable,
      conditions,
    });
  }

  /** This Deployment's ReplicaSets (one per pod template it has had). */
  private replicaSets(): KubeObject[] {
    const uid = this.deployment.metadata.uid;
    return this.store
      .peekList(REPLICA_SET, { namespace: this.deployment.metadata.namespace })
      .filter((rs) => rs.metadata.ownerReferences?.some((ref) => ref.uid === uid && ref.controller));
  }

  /**
   * The ReplicaSets' records: the current template's (created with the next revision number) wants
   * the Deployment's replicas, an old one the pods it still has; each counts its pods. The
   * Deployment carries its current revision, as the real controller writes it.
   */
  recordReplicaSets(): void {
    this.observe();
    const sets = this.replicaSets();
    for (const rs of sets) {
      const hash = rs.metadata.labels?.["pod-template-hash"];
      const pods =
        hash === this.hash ? this.current : this.old.filter((p) => p.metadata.labels?.["pod-template-hash"] === hash);
      const replicas = hash === this.hash ? this.replicas : pods.length;
      const ready = pods.filter(isPodReady).length;
      const status = withoutZeros({
        replicas: pods.length,
        fullyLabeledReplicas: pods.length,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: rs.metadata.generation ?? 1,
      });
      const current = this.store.peek(REPLICA_SET, rs.metadata.namespace, rs.metadata.name) ?? rs;
      if (current.spec?.replicas !== replicas) this.store.update({ ...current, spec: { ...current.spec, replicas } });
      const latest = this.store.peek(REPLICA_SET, rs.metadata.namespace, rs.metadata.name);
      if (latest && !isDeepStrictEqual(latest.status, status)) {
        this.store.updateStatus(REPLICA_SET, rs.metadata.namespace, rs.metadata.name, status);
      }
    }
    const revision = this.currentReplicaSet().metadata.annotations?.[REVISION];
    const fresh = this.store.peek(DEPLOYMENT, this.deployment.metadata.namespace, this.deployment.metadata.name);
    if (fresh && revision && fresh.metadata.annotations?.[REVISION] !== revision) {
      this.store.update({
        ...fresh,
        metadata: { ...fresh.metadata, annotations: { ...(fresh.metadata.annotations ?? {}), [REVISION]: revision } },
      });
    }
  }

  /** The ReplicaSet of the current template, created (with the next revision) when missing. */
  private currentReplicaSet(): KubeObject {
    const name = `${this.deployment.metadata.name}-${this.hash}`;
    const namespace = this.deployment.metadata.namespace;
    const existing = this.store.peek(REPLICA_SET, namespace, name);
    if (existing) return existing;
    const revisions = this.replicaSets().map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0));
    const template = structuredClone(this.deployment.spec?.template ?? {});
    const labels = { ...(template.metadata?.labels ?? {}), "pod-template-hash": this.hash };
    template.metadata = { ...(template.metadata ?? {}), labels };
    return this.store.create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace,
        labels,
        annotations: {
          [REVISION]: String(Math.max(0, ...revisions) + 1),
          "deployment.kubernetes.io/desired-replicas": String(this.replicas),
          "deployment.kubernetes.io/max-replicas": String(this.replicas + this.maxSurge),
        },
        ownerReferences: [controllerReference(this.deployment)],
      },
      spec: {
        replicas: this.replicas,
        selector: {
          matchLabels: { ...(this.deployment.spec?.selector?.matchLabels ?? {}), "pod-template-hash": this.hash },
        },
        template,
      },
    });
  }

  /** Pods this Deployment's ReplicaSets own, not being deleted, split into the current template and older ones. */
  private observe(): void {
    const owners = new Set(this.replicaSets().map((rs) => rs.metadata.uid));
    const owned = this.store
      .peekList(POD, { namespace: this.deployment.metadata.namespace })
      .filter((pod) => pod.metadata.ownerReferences?.some((ref) => owners.has(ref.uid) && ref.controller))
      .filter((pod) => !pod.metadata.deletionTimestamp);
    this.current = owned.filter((pod) => pod.metadata.labels?.["pod-template-hash"] === this.hash);
    this.old = owned.filter((pod) => pod.metadata.labels?.["pod-template-hash"] !== this.hash);
  }

  private recreate(): void {
    if (this.old.length > 0) {
      this.deletePods(this.old);
      return;
    }
    this.scaleCurrentTo(this.replicas);
  }

  private rollingUpdate(): void {
    if (this.old.length === 0) {
      this.scaleCurrentTo(this.replicas);
      return;
    }
    // Surge: new pods while the total stays within replicas + maxSurge.
    const room = this.replicas + this.maxSurge - (this.current.length + this.old.length);
    const missing = this.replicas - this.current.length;
    const toCreate = Math.min(room, missing);
    if (toCreate > 0) this.createPods(toCreate);
    else if (missing < 0) this.deletePods(rankForDeletion(this.current).slice(0, -missing));
    this.observe();
    this.retireOldPods();
  }

  /**
   * Old pods go as availability allows, as the Deployment controller does it: first unready old
   * pods (they serve nobody) while the new ones are not short, then Ready old pods down to
   * replicas - maxUnavailable Ready pods in all.
   */
  private retireOldPods(): void {
    const minAvailable = this.replicas - this.maxUnavailable;
    const newUnavailable = this.current.filter((pod) => !isPodReady(pod)).length;
    const cleanup = this.current.length + this.old.length - minAvailable - newUnavailable;
    if (cleanup > 0) this.deletePods(this.old.filter((pod) => !isPodReady(pod)).slice(0, cleanup));
    const ready = [...this.current, ...this.old].filter(isPodReady).length;
    const removable = Math.min(ready - minAvailable, this.old.length);
    if (removable > 0) this.deletePods(rankForDeletion(this.old).slice(0, removable));
  }

  private scaleCurrentTo(target: number): void {
    if (this.current.length < target) this.createPods(target - this.current.length);
    if (this.current.length > target)
      this.deletePods(rankForDeletion(this.current).slice(0, this.current.length - target));
  }

  private createPods(count: number): void {
    for (let i = 0; i < count; i++) this.store.create(this.newPod());
    this.observe();
  }

  private deletePods(pods: KubeObject[]): void {
    for (const pod of pods) {
      try {
        this.store.delete(POD, pod.metadata.namespace, pod.metadata.name);
      } catch {
        // Already gone (deleted by someone else between list and delete): nothing left to do.
      }
    }
    this.observe();
  }

  private newPod(): KubeObject {
    const template = this.deployment.spec?.template ?? {};
    const replicaSet = this.currentReplicaSet();
    const prefix = `${replicaSet.metadata.name}-`;
    const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}), "pod-template-hash": this.hash };
    const annotations = template.metadata?.annotations;
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: this.freeName(prefix),
        generateName: prefix,
        namespace: this.deployment.metadata.namespace,
        labels,
        ...(annotations ? { annotations: structuredClone(annotations) } : {}),
        ownerReferences: [controllerReference(replicaSet)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
  }

  /** A deterministic 5-character suffix: the first candidate in a seeded sequence that is not taken. */
  private freeName(prefix: string): string {
    const namespace = this.deployment.metadata.namespace;
    for (let attempt = 0; ; attempt++) {
      const name = prefix + suffixFor(`${this.deployment.metadata.uid}/${prefix}`, attempt);
      // peek: a look, no copy (a burst of new pods tries each taken name again).
      if (!this.store.peek(POD, namespace, name)) return name;
    }
  }
}

/**
 * The pod-template-hash as Kubernetes writes it: a 32-bit hash of the template, its decimal digits
 * mapped through the safe alphabet (so it reads like `7c9d5b8f46`), padded to ten characters.
 */
export function podTemplateHash(template: unknown): string {
  const digits = String(hashString(canonicalJson(template))).padStart(10, "0");
  return [...digits].map((digit) => SAFE_ALPHABET[digit.charCodeAt(0) % SAFE_ALPHABET.length]).join("");
}

function suffixFor(seed: string, attempt: number): string {
  let n = hashString(`${seed}#${attempt}`);
  let out = "";
  for (let i = 0; i < 5; i++) {
    out += SAFE_ALPHABET[n % SAFE_ALPHABET.length];
    n = Math.floor(n / SAFE_ALPHABET.length);
  }
  return out;
}

/** JSON with sorted keys, so equal templates hash equally whatever order their fields were written in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Which pods go first when scaling down: unready before ready, then the newest (as the ReplicaSet controller ranks). */
function rankForDeletion(pods: KubeObject[]): KubeObject[] {
  return [...pods].sort((a, b) => {
    const readiness = Number(isPodReady(a)) - Number(isPodReady(b));
    if (readiness !== 0) return readiness;
    const age = (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? "");
    if (age !== 0) return age;
    return b.metadata.name.localeCompare(a.metadata.name);
  });
}

/** maxSurge / maxUnavailable as counts (ints or percentages; defaults 25%). Both zero would deadlock, so surge 1. */
function rollingLimits(
  strategy: { rollingUpdate?: { maxSurge?: unknown; maxUnavailable?: unknown } } | undefined,
  replicas: number,
): { maxSurge: number; maxUnavailable: number } {
  const maxSurge = resolveIntOrPercent(strategy?.rollingUpdate?.maxSurge ?? "25%", replicas, Math.ceil);
  const maxUnavailable = resolveIntOrPercent(strategy?.rollingUpdate?.maxUnavailable ?? "25%", replicas, Math.floor);
  return { maxSurge: maxSurge === 0 && maxUnavailable === 0 ? 1 : maxSurge, maxUnavailable };
}

function resolveIntOrPercent(value: unknown, total: number, round: (x: number) => number): number {
  if (typeof value === "number") return Math.max(0, Math.floor(value));
  const percent = /^(\d+)%$/.exec(String(value));
  if (percent?.[1]) return round((Number(percent[1]) * total) / 100);
  const parsed = Number(value);
  return Number.isFinite(parsed) ? Math.max(0, Math.floor(parsed)) : 0;
}

function withoutZeros(status: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0));
}
