import { isDeepStrictEqual } from "node:util";
import {
  ApiError,
  alreadyExists,
  invalid,
  KINDS,
  type KindInfo,
  type KubeObject,
  kindFor,
  kindKey,
  kubeTime,
  type LabelSelector,
  matchesSelector,
  nameProblems,
  notFound,
  validateObject,
} from "@testbed/apimachinery";
import { type Clock, systemClock } from "@testbed/common";
import { ServiceIpAllocator } from "./service-ips.js";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface WatchEvent {
  type: WatchEventType;
  /** Kind key (`Pod`, `apps/Deployment`, …). */
  key: string;
  /** The stored object itself, frozen (see ObjectStore.peek), shared by every watcher. */
  object: KubeObject;
  /**
   * For MODIFIED and DELETED: the version it replaced (a watch with a selector turns a change into
   * ADDED or DELETED; a paged list reads the objects as they were).
   */
  previous?: KubeObject;
}

export type WatchHandler = (event: WatchEvent) => void;

export interface ListOptions {
  namespace?: string;
  selector?: LabelSelector;
}

/** Fields that are the object's identity or bookkeeping rather than its desired state. */
const NON_SPEC_FIELDS = new Set(["apiVersion", "kind", "metadata", "status"]);

/**
 * etcd and the API server's storage layer in one: objects by kind, namespace and name, with
 * resourceVersion (one counter for the whole store), generation (bumped when the desired state
 * changes), owner-reference garbage collection, finalizers and watch. Stored objects are deeply
 * frozen and never changed in place (a write stores a new object, sharing the unchanged frozen
 * parts), so no caller can change the store's state except through a write: get, list, all and the
 * writes hand out copies the caller may edit; peek, peekList and watch events hand out the frozen
 * stored objects themselves, without copying, for the many readers that only read (controllers).
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly watchers = new Set<WatchHandler>();
  private readonly pending: WatchEvent[] = [];
  private delivering = false;
  private revision = 0;
  private uidCounter = 0;
  private serviceIps = new ServiceIpAllocator();

  constructor(private readonly clock: Clock = systemClock) {}

  /** The store's resourceVersion: that of its latest write (what a list answers with). */
  get resourceVersion(): string {
    return String(this.revision);
  }

  /**
   * A copy to try writes on without changing this store (`dryRun=All`): the same objects (shared,
   * they are frozen), counters and service addresses, and no watchers. Cheap: one map per kind.
   */
  fork(): ObjectStore {
    const copy = new ObjectStore(this.clock);
    for (const [key, bucket] of this.objects) copy.objects.set(key, new Map(bucket));
    copy.revision = this.revision;
    copy.uidCounter = this.uidCounter;
    copy.serviceIps = this.serviceIps.copy();
    return copy;
  }

  /** The kind an object claims to be, or an error naming its apiVersion/kind. */
  kindOf(object: Pick<KubeObject, "apiVersion" | "kind">): KindInfo {
    const info = kindFor(object.apiVersion ?? "", object.kind ?? "");
    if (!info) {
      throw new ApiError("BadRequest", `no matches for kind "${object.kind}" in version "${object.apiVersion}"`);
    }
    return info;
  }

  get(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const found = this.bucket(key).get(objectId(namespace, name));
    return found ? structuredClone(found) : undefined;
  }

  /**
   * The stored object itself: frozen (changing it throws), and never changed by later writes, which
   * store new objects. No copy, for readers that only read; copy it (or spread it) to edit it.
   */
  peek(key: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.bucket(key).get(objectId(namespace, name));
  }

  /** Like get, but a missing object is a NotFound error. */
  require(key: string, namespace: string | undefined, name: string): KubeObject {
    const found = this.get(key, namespace, name);
    if (!found) throw notFound(resourceName(key), name);
    return found;
  }

  list(key: string, options: ListOptions = {}): KubeObject[] {
    return this.peekList(key, options).map((object) => structuredClone(object));
  }

  /** Like list, but the stored objects themselves (frozen, see peek); the array is the caller's own. */
  peekList(key: string, options: ListOptions = {}): KubeObject[] {
    const result: KubeObject[] = [];
    for (const object of this.bucket(key).values()) {
      if (options.namespace !== undefined && object.metadata.namespace !== options.namespace) continue;
      if (options.selector && !matchesSelector(options.selector, object.metadata.labels)) continue;
      result.push(object);
    }
    return result.sort(byNamespaceAndName);
  }

  create(input: KubeObject): KubeObject {
    const info = this.kindOf(input);
    checkValid(info, input);
    const object = foldStringData(structuredClone(input));
    this.checkIdentity(info, object);
    checkSize(object);
    const key = kindKey(info);
    const id = objectId(object.metadata.namespace, object.metadata.name);
    if (this.bucket(key).has(id)) throw alreadyExists(`${info.plural}${groupSuffix(info)}`, object.metadata.name);
    if (key === "Service") this.assignClusterIp(object);
    object.metadata.uid = object.metadata.uid ?? this.nextUid();
    object.metadata.creationTimestamp = this.now();
    object.metadata.generation = 1;
    object.metadata.resourceVersion = this.nextRevision();
    this.bucket(key).set(id, deepFreeze(object));
    this.emit("ADDED", key, object);
    return structuredClone(object);
  }

  /**
   * Replace an object's desired state (everything but status). A resourceVersion in the input must
   * match the stored one (optimistic concurrency); without one the write is unconditional.
   */
  update(input: KubeObject): KubeObject {
    const info = this.kindOf(input);
    checkValid(info, input);
    const key = kindKey(info);
    const current = this.storedOrThrow(info, input.metadata.namespace, input.metadata.name);
    this.checkVersion(info, input, current);
    const next = foldStringData(structuredClone(input));
    // The stored object's identity, not the body's: a namespace on a cluster-scoped kind (or a missing
    // one on a namespaced kind) must not file the object under a second id.
    next.metadata = {
      ...next.metadata,
      namespace: current.metadata.namespace,
      uid: current.metadata.uid,
      creationTimestamp: current.metadata.creationTimestamp,
      deletionTimestamp: current.metadata.deletionTimestamp,
      generation: current.metadata.generation,
    };
    if (next.metadata.namespace === undefined) delete next.metadata.namespace;
    if (next.metadata.deletionTimestamp === undefined) delete next.metadata.deletionTimestamp;
    // Status belongs to the status subresource; an absent one must stay absent so a no-op update is one.
    if (current.status === undefined) delete next.status;
    else next.status = current.status;
    if (isDeepStrictEqual(withoutVolatile(next), withoutVolatile(current))) return structuredClone(current);
    checkSize(next);
    if (!isDeepStrictEqual(desiredState(next), desiredState(current))) {
      next.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    return this.store(key, next);
  }

  /** Write the status subresource only. */
  updateStatus(key: string, namespace: string | undefined, name: string, status: unknown): KubeObject {
    const current = this.bucket(key).get(objectId(namespace, name));
    if (!current) throw notFound(resourceName(key), name);
    if (isDeepStrictEqual(current.status, status)) return structuredClone(current);
    // The new object shares the unchanged (frozen) spec; metadata is its own, for the new resourceVersion.
    return this.store(key, { ...current, metadata: { ...current.metadata }, status: structuredClone(status) });
  }

  /**
   * Delete an object. With finalizers it only gets a deletionTimestamp until they are removed;
   * objects it owns are deleted after it (background cascading, as the garbage collector does).
   */
  delete(key: string, namespace: string | undefined, name: string): KubeObject {
    const current = this.bucket(key).get(objectId(namespace, name));
    if (!current) throw notFound(resourceName(key), name);
    const finalizers = (current.metadata as { finalizers?: string[] }).finalizers ?? [];
    if (finalizers.length > 0) {
      if (current.metadata.deletionTimestamp) return structuredClone(current);
      return this.store(key, { ...current, metadata: { ...current.metadata, deletionTimestamp: this.now() } });
    }
    this.bucket(key).delete(objectId(namespace, name));
    if (key === "Service") this.serviceIps.release(current);
    const removed = deepFreeze({ ...current, metadata: { ...current.metadata, resourceVersion: this.nextRevision() } });
    this.emit("DELETED", key, removed, current);
    this.collectDependents(current);
    if (key === "Namespace") this.collectNamespace(name);
    return structuredClone(removed);
  }

  /**
   * The namespace controller's job, simplified: a deleted Namespace takes its objects with it
   * (objects with finalizers, such as running pods, go once their finalizers are released).
   */
  private collectNamespace(namespace: string): void {
    for (const [key, bucket] of this.objects) {
      for (const object of [...bucket.values()]) {
        if (object.metadata.namespace !== namespace) continue;
        if (bucket.has(objectId(namespace, object.metadata.name))) this.delete(key, namespace, object.metadata.name);
      }
    }
  }

  /** Every object of every kind (the API server's discovery and `oc get all` use this). */
  all(): KubeObject[] {
    return [...this.objects.values()].flatMap((bucket) => [...bucket.values()].map((o) => structuredClone(o)));
  }

  /** Receive every change from now on. Events are delivered in order, after the write returns. */
  watch(handler: WatchHandler): () => void {
    this.watchers.add(handler);
    return () => this.watchers.delete(handler);
  }

  /** Resolves once every queued watch event has been delivered. */
  async settled(): Promise<void> {
    while (!this.isSettled()) await new Promise((resolve) => setImmediate(resolve));
  }

  /** No watch event is waiting to be delivered now. */
  isSettled(): boolean {
    return this.pending.length === 0 && !this.delivering;
  }

  /** Store a new version: `object` is the store's own (its unfrozen parts are not shared with any caller). */
  private store(key: string, object: KubeObject): KubeObject {
    object.metadata.resourceVersion = this.nextRevision();
    const id = objectId(object.metadata.namespace, object.metadata.name);
    const previous = this.bucket(key).get(id);
    this.bucket(key).set(id, deepFreeze(object));
    const finalizers = (object.metadata as { finalizers?: string[] }).finalizers ?? [];
    if (object.metadata.deletionTimestamp && finalizers.length === 0) {
      return this.delete(key, object.metadata.namespace, object.metadata.name);
    }
    this.emit("MODIFIED", key, object, previous);
    return structuredClone(object);
  }

  private collectDependents(owner: KubeObject): void {
    for (const [key, bucket] of this.objects) {
      for (const object of [...bucket.values()]) {
        const owned = object.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid);
        if (owned && bucket.has(objectId(object.metadata.namespace, object.metadata.name))) {
          this.delete(key, object.metadata.namespace, object.metadata.name);
        }
      }
    }
  }

  private assignClusterIp(service: KubeObject): void {
    try {
      this.serviceIps.assign(service);
    } catch (error) {
      throw invalid("Service", service.metadata.name, [
        { field: "spec.clusterIPs", message: `Invalid value: ${(error as Error).message}` },
      ]);
    }
  }

  private checkIdentity(info: KindInfo, object: KubeObject): void {
    if (!object.metadata || typeof object.metadata !== "object") {
      throw invalid(info.kind, "", [{ field: "metadata", message: "Required value" }]);
    }
    const name = object.metadata.name;
    if (!name && object.metadata.generateName) object.metadata.name = `${object.metadata.generateName}${this.suffix()}`;
    if (!object.metadata.name) {
      throw invalid(info.kind, "", [
        { field: "metadata.name", message: "Required value: name or generateName is required" },
      ]);
    }
    const nameErrors = nameProblems(info.kind, object.metadata.name);
    if (nameErrors.length > 0) {
      throw invalid(
        info.kind,
        object.metadata.name,
        nameErrors.map((problem) => ({
          field: "metadata.name",
          message: `Invalid value: "${object.metadata.name}": ${problem}`,
          reason: "FieldValueInvalid",
        })),
      );
    }
    if (!info.namespaced) {
      delete object.metadata.namespace;
      return;
    }
    object.metadata.namespace = object.metadata.namespace ?? "default";
    const namespace = object.metadata.namespace;
    if (!this.bucket("Namespace").has(objectId(undefined, namespace))) {
      throw notFound("namespaces", namespace);
    }
    if (this.bucket("Namespace").get(objectId(undefined, namespace))?.metadata.deletionTimestamp) {
      throw new ApiError("Conflict", `namespace ${namespace} is being terminated`);
    }
  }

  private checkVersion(info: KindInfo, input: KubeObject, current: KubeObject): void {
    const wanted = input.metadata.resourceVersion;
    if (wanted !== undefined && wanted !== "" && wanted !== current.metadata.resourceVersion) {
      throw new ApiError(
        "Conflict",
        `Operation cannot be fulfilled on ${info.plural}${groupSuffix(info)} "${input.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
  }

  private storedOrThrow(info: KindInfo, namespace: string | undefined, name: string): KubeObject {
    const ns = info.namespaced ? (namespace ?? "default") : undefined;
    const current = this.bucket(kindKey(info)).get(objectId(ns, name));
    if (!current) throw notFound(`${info.plural}${groupSuffix(info)}`, name);
    return current;
  }

  /** Watchers share the frozen stored object: no copy per event. */
  private emit(type: WatchEventType, key: string, object: KubeObject, previous?: KubeObject): void {
    this.pending.push(previous === undefined ? { type, key, object } : { type, key, object, previous });
    if (!this.delivering) queueMicrotask(() => this.deliver());
  }

  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let event = this.pending.shift(); event; event = this.pending.shift()) {
        for (const handler of [...this.watchers]) {
          try {
            handler(event);
          } catch (error) {
            // A watcher's bug must not stop the others from seeing the event.
            process.emitWarning(`watch handler failed: ${(error as Error).stack ?? error}`);
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  private bucket(key: string): Map<string, KubeObject> {
    let bucket = this.objects.get(key);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(key, bucket);
    }
    return bucket;
  }

  private nextRevision(): string {
    this.revision += 1;
    return String(this.revision);
  }

  /** Deterministic UIDs (a run is reproducible from its seed), shaped like Kubernetes' UUIDs. */
  private nextUid(): string {
    this.uidCounter += 1;
    const hex = this.uidCounter.toString(16).padStart(12, "0");
    return `7e57bed0-0000-4000-8000-${hex}`;
  }

  private suffix(): string {
    const alphabet = "bcdfghjklmnpqrstvwxz2456789";
    let n = this.revision * 7919 + 104729;
    let out = "";
    for (let i = 0; i < 5; i++) {
      out += alphabet[n % alphabet.length];
      n = Math.floor(n / alphabet.length) + i * 31;
    }
    return out;
  }

  /** Now, in Kubernetes' format, from the store's clock (the testbed's). */
  now(): string {
    return kubeTime(this.clock.now());
  }
}

export function objectId(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/**
 * Freeze an object and everything in it. A frozen part is already frozen throughout (only this
 * function freezes the store's objects), so the parts a new version shares with the old are skipped.
 */
function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value) || ArrayBuffer.isView(value)) return value;
  for (const child of Object.values(value)) deepFreeze(child);
  return Object.freeze(value);
}

function resourceName(key: string): string {
  const info = KINDS.find((k) => kindKey(k) === key);
  return info ? `${info.plural}${groupSuffix(info)}` : key;
}

function groupSuffix(info: KindInfo): string {
  return info.group === "" ? "" : `.${info.group}`;
}

/** etcd's request limit (--max-request-bytes, 1.5 MiB): a bigger object is refused as etcd refuses it. */
const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

function checkSize(object: KubeObject): void {
  if (Buffer.byteLength(JSON.stringify(object)) > MAX_OBJECT_BYTES) {
    throw new ApiError("InternalError", "etcdserver: request is too large");
  }
}

/** Refuse an object the API server's validation would refuse (422 Invalid with every cause). */
function checkValid(info: KindInfo, object: KubeObject): void {
  const causes = validateObject(object);
  if (causes.length > 0) throw invalid(info.kind, object.metadata?.name ?? "", causes);
}

function desiredState(object: KubeObject): unknown {
  return Object.fromEntries(Object.entries(object).filter(([field]) => !NON_SPEC_FIELDS.has(field)));
}

function withoutVolatile(object: KubeObject): unknown {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  return { ...object, metadata };
}

/**
 * The store's list order: namespace/name by code unit, not by locale (as etcd orders its keys by
 * bytes), so every reader lists alike — and loads no ICU collation data to do so.
 */
export function byNamespaceAndName(a: KubeObject, b: KubeObject): number {
  return byId(objectId(a.metadata.namespace, a.metadata.name), objectId(b.metadata.namespace, b.metadata.name));
}

/** Two object ids (`namespace/name`) in the store's list order. */
export function byId(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** A Secret's write-only `stringData` is merged into `data` (base64) on write, as the API server does. */
function foldStringData(object: KubeObject): KubeObject {
  if (object.kind !== "Secret" || !object.stringData || typeof object.stringData !== "object") return object;
  const data = { ...((object.data ?? {}) as Record<string, string>) };
  for (const [key, value] of Object.entries(object.stringData as Record<string, string>)) {
    data[key] = Buffer.from(String(value), "utf8").toString("base64");
  }
  const { stringData: _written, ...rest } = object;
  return { ...rest, data } as KubeObject;
}
