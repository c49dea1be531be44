// `?watch=true`: a chunked stream of WatchEvents (one JSON object per line) from a resourceVersion
// on, as the API server's watch cache serves it. The server keeps a window of recent store events
// so a client that listed at version N sees every change after N; a version older than the window
// gets the real server's ERROR event (410 Expired, "too old resource version"), after which
// client-go relists. Bookmarks (allowWatchBookmarks) carry the store's version; sendInitialEvents
// replays the current objects first and ends them with the `k8s.io/initial-events-end` bookmark.
// With a label or field selector, a change that makes an object start matching is ADDED and one
// that makes it stop matching is DELETED (carrying the previous object), as the watch cache's
// cacheWatcher.convertToWatchEvent does.
import type { ServerResponse } from "node:http";
import { ApiError, type KubeObject, kindKey, type LabelSelector, matchesSelector } from "@testbed/apimachinery";
import type { Clock, TimerHandle } from "@testbed/common";
import type { ObjectStore, WatchEvent } from "../store/object-store.js";
import { type FieldSelector, matchesFields } from "./field-selector.js";
import type { ResourcePath } from "./resource-path.js";

/** Events kept for watches that start from an older resourceVersion (the default window). */
export const DEFAULT_WATCH_WINDOW = 20_000;
/** The real server ends a watch after a random 30–60 min (--min-request-timeout 1800 s). */
const DEFAULT_WATCH_SECONDS = 1800;
/** How often a watch that allows bookmarks gets one (the watch cache's period is about a minute). */
const BOOKMARK_PERIOD_MS = 60_000;

interface Recorded {
  revision: number;
  event: WatchEvent;
}

export interface WatchRequest {
  path: ResourcePath;
  labels: LabelSelector;
  fields: FieldSelector;
  resourceVersion: string | undefined;
  timeoutSeconds: number | undefined;
  allowBookmarks: boolean;
  sendInitialEvents: boolean;
  /** The object as the client asked for it (the served apiVersion, or a Table). */
  present(object: KubeObject): unknown;
  /** The empty-ish object a BOOKMARK carries (kind and apiVersion, metadata.resourceVersion). */
  bookmark(resourceVersion: string, initialEventsEnd: boolean): unknown;
}

/** The store's recent changes, for every watch of one API server. */
export class WatchCache {
  private readonly history: Recorded[] = [];
  private oldest: number;
  private readonly listeners = new Set<(recorded: Recorded) => void>();
  private readonly unwatch: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly window = DEFAULT_WATCH_WINDOW,
  ) {
    this.oldest = Number(store.resourceVersion);
    this.unwatch = store.watch((event) => this.record(event));
  }

  close(): void {
    this.unwatch();
    this.listeners.clear();
  }

  /** Stream matching events to the response until the client leaves or the timeout ends the watch. */
  serve(request: WatchRequest, response: ServerResponse, clock: Clock): void {
    const key = kindKey(request.path.info);
    const matches = (object: KubeObject) =>
      (request.path.namespace === undefined || object.metadata.namespace === request.path.namespace) &&
      matchesSelector(request.labels, object.metadata.labels) &&
      matchesFields(request.path.info, request.fields, object);
    response.writeHead(200, {
      "content-type": "application/json",
      "cache-control": "no-cache, private",
      "transfer-encoding": "chunked",
    });
    response.flushHeaders();
    const send = (type: string, object: unknown) => response.write(`${JSON.stringify({ type, object })}\n`);
    let last = this.startRevision(request, key, matches, send);
    if (last === undefined) {
      response.end();
      return;
    }
    const listener = ({ revision, event }: Recorded) => {
      if (revision <= (last as number) || event.key !== key) return;
      const seen = asSeenThrough(event, matches);
      if (seen === undefined) return;
      last = revision;
      send(seen.type, request.present(seen.object));
    };
    this.listeners.add(listener);
    const timers: TimerHandle[] = [];
    const finish = () => {
      this.listeners.delete(listener);
      for (const timer of timers) clock.clearTimeout(timer);
      if (!response.writableEnded) response.end();
    };
    const seconds = request.timeoutSeconds ?? DEFAULT_WATCH_SECONDS;
    timers.push(clock.setTimeout(finish, seconds * 1000));
    if (request.allowBookmarks) {
      timers.push(
        clock.setInterval(
          () => send("BOOKMARK", request.bookmark(this.store.resourceVersion, false)),
          BOOKMARK_PERIOD_MS,
        ),
      );
    }
    response.on("close", finish);
  }

  /**
   * Send what happened before the watch starts: the current objects (no version, "0", or
   * sendInitialEvents) or the recorded events after the given version. Undefined: the version was
   * too old and the ERROR event has been sent.
   */
  private startRevision(
    request: WatchRequest,
    key: string,
    matches: (object: KubeObject) => boolean,
    send: (type: string, object: unknown) => void,
  ): number | undefined {
    const rv = request.resourceVersion;
    if (rv === undefined || rv === "" || rv === "0" || request.sendInitialEvents) {
      const current = Number(this.store.resourceVersion);
      for (const object of this.store.peekList(key, { namespace: request.path.namespace })) {
        if (matches(object)) send("ADDED", request.present(object));
      }
      if (request.sendInitialEvents && request.allowBookmarks) {
        send("BOOKMARK", request.bookmark(String(current), true));
      }
      return current;
    }
    const from = Number(rv);
    if (from < this.oldest) {
      send("ERROR", new ApiError("Expired", `too old resource version: ${from} (${this.oldest})`).toStatus());
      return undefined;
    }
    for (const { revision, event } of this.history) {
      const seen = revision > from && event.key === key ? asSeenThrough(event, matches) : undefined;
      if (seen) send(seen.type, request.present(seen.object));
    }
    return Math.max(from, this.history.at(-1)?.revision ?? from);
  }

  /**
   * The objects of a kind as they were at `revision` (the current ones with the later recorded
   * changes undone), or undefined when the revision is older than the window. Call once the store
   * has settled, so every change is recorded.
   */
  snapshot(key: string, revision: number): KubeObject[] | undefined {
    if (revision < this.oldest) return undefined;
    const objects = new Map<string, KubeObject>();
    const id = (object: KubeObject) => `${object.metadata.namespace ?? ""}/${object.metadata.name}`;
    for (const object of this.store.peekList(key)) objects.set(id(object), object);
    for (let index = this.history.length - 1; index >= 0; index -= 1) {
      const { revision: at, event } = this.history[index] as Recorded;
      if (at <= revision) break;
      if (event.key !== key) continue;
      if (event.previous === undefined) objects.delete(id(event.object));
      else objects.set(id(event.previous), event.previous);
    }
    return [...objects.values()];
  }

  private record(event: WatchEvent): void {
    const recorded = { revision: Number(event.object.metadata.resourceVersion ?? 0), event };
    this.history.push(recorded);
    if (this.history.length > this.window) {
      const dropped = this.history.splice(0, this.history.length - this.window);
      this.oldest = dropped.at(-1)?.revision ?? this.oldest;
    }
    for (const listener of [...this.listeners]) listener(recorded);
  }
}

/** A store event as a watch with this filter sees it: as it is, ADDED, DELETED, or not at all. */
function asSeenThrough(
  event: WatchEvent,
  matches: (object: KubeObject) => boolean,
): { type: WatchEvent["type"]; object: KubeObject } | undefined {
  const now = matches(event.object);
  if (event.type !== "MODIFIED" || event.previous === undefined) return now ? event : undefined;
  const before = matches(event.previous);
  if (now) return { type: before ? "MODIFIED" : "ADDED", object: event.object };
  return before ? { type: "DELETED", object: event.previous } : undefined;
}

/** Checked before the stream starts, so a bad version is a 400 Status rather than a broken stream. */
export function checkResourceVersion(rv: string | undefined): void {
  if (rv === undefined || rv === "") return;
  const version = Number(rv);
  if (!Number.isInteger(version) || version < 0) throw new ApiError("BadRequest", `invalid resource version: ${rv}`);
}

/**
 * The `watch` query parameter as the real server decodes it into ListOptions (apimachinery
 * runtime.Convert_Slice_string_To_bool): absent, "0" or "false" in any case is false; any other
 * value, the empty one included, is true.
 */
export function isWatch(value: string | undefined): boolean {
  return value !== undefined && value !== "0" && value.toLowerCase() !== "false";
}
