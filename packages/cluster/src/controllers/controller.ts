import type { Clock, LogSink, TimerHandle } from "@testbed/common";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";

/** What every controller is given: the store it reconciles, time, and where to log. */
export interface ControllerContext {
  store: ObjectStore;
  clock: Clock;
  log: LogSink;
}

export interface Controller {
  readonly name: string;
  start(context: ControllerContext): void;
  stop(): void;
}

/**
 * The shape the testbed's controllers share: store events and the initial list become queue keys,
 * and one key is reconciled at a time. A subclass says which keys an event enqueues and how to
 * reconcile one key; start, stop and idle are here.
 */
export abstract class QueuedController implements Controller {
  abstract readonly name: string;
  protected context: ControllerContext | undefined;
  private queue: ReconcileQueue | undefined;
  private unwatch: (() => void) | undefined;

  start(context: ControllerContext): void {
    this.context = context;
    this.queue = new ReconcileQueue(this.name, (key) => this.reconcile(key, context), context.log, context.clock);
    this.unwatch = context.store.watch((event) => {
      for (const key of this.keysFor(event, context)) this.queue?.enqueue(key);
    });
    for (const key of this.initialKeys(context)) this.queue.enqueue(key);
  }

  stop(): void {
    this.unwatch?.();
    this.queue?.stop();
  }

  /** Resolves when no reconcile is queued or running. */
  idle(): Promise<void> {
    return this.queue?.idle() ?? Promise.resolve();
  }

  /** No reconcile is queued or running now. */
  isIdle(): boolean {
    return this.queue?.isIdle() ?? true;
  }

  protected abstract keysFor(event: WatchEvent, context: ControllerContext): Iterable<string>;
  protected abstract initialKeys(context: ControllerContext): Iterable<string>;
  protected abstract reconcile(key: string, context: ControllerContext): Promise<void> | void;
}

/**
 * The work queue every controller runs on, as controller-runtime's: watch events enqueue object
 * keys, one reconcile runs at a time, a key enqueued while queued runs once, and a failed reconcile
 * is retried with backoff (it is logged, never thrown into the store).
 */
export class ReconcileQueue {
  private readonly queued = new Set<string>();
  private running = false;
  private stopped = false;
  private readonly retries = new Map<string, number>();
  private readonly timers = new Set<TimerHandle>();

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => Promise<void> | void,
    private readonly log: LogSink,
    /** Whose time the retry back-off runs on. */
    private readonly clock: Clock,
  ) {}

  enqueue(key: string): void {
    if (this.stopped) return;
    this.queued.add(key);
    if (this.running) return;
    // Drain once the current batch of watch events has been delivered, not inside the first one:
    // a burst of events (a write's ripple through every watcher) then costs one reconcile, not two.
    this.running = true;
    setImmediate(() => void this.drain());
  }

  isIdle(): boolean {
    return !this.running && this.queued.size === 0;
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running || this.queued.size > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.queued.clear();
    for (const timer of this.timers) this.clock.clearTimeout(timer);
  }

  private async drain(): Promise<void> {
    try {
      while (this.queued.size > 0 && !this.stopped) {
        const key = this.queued.values().next().value as string;
        this.queued.delete(key);
        try {
          await this.reconcile(key);
          this.retries.delete(key);
        } catch (error) {
          this.retryLater(key, error as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private retryLater(key: string, error: Error): void {
    const attempt = (this.retries.get(key) ?? 0) + 1;
    this.retries.set(key, attempt);
    const delayMs = Math.min(5_000, 10 * 2 ** attempt);
    this.log(`${this.name}: reconcile ${key} failed (attempt ${attempt}, retry in ${delayMs}ms): ${error.message}`);
    const timer = this.clock.setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(key);
    }, delayMs);
    this.timers.add(timer);
  }
}

/** `namespace/name` of the object in an event — the usual queue key. */
export function eventKey(event: WatchEvent): string {
  const { namespace, name } = event.object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf("/");
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
