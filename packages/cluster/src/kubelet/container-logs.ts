// What `oc logs` reads: each container's output, kept per pod and container name with the time of
// each line and the run (start) it came from, so `logs` shows the current run, `--previous` the one
// before a restart, `--since` and `--timestamps` use the times; followers serve `oc logs -f`.
import { type Clock, systemClock } from "@testbed/common";

const CAPACITY = 10_000;

/** One line of a container's output. */
export interface LogEntry {
  line: string;
  /** Epoch milliseconds, from the kubelet's clock. */
  time: number;
  /** 1 for the container's first start, 2 after its first restart… */
  run: number;
}

export interface LogQuery {
  tailLines?: number;
  /** Only lines at or after this time (epoch ms). */
  sinceMs?: number;
  /** The run before the current one (`--previous`). */
  previous?: boolean;
}

/** Every container's output by pod and container name, with followers for `oc logs -f`. */
export class ContainerLogs {
  private readonly entries = new Map<string, LogEntry[]>();
  private readonly runs = new Map<string, number>();
  private readonly followers = new Map<string, Set<(line: string) => void>>();

  constructor(private readonly clock: Clock = systemClock) {}

  /** The writer of a container's new run (called on every start). */
  sink(podKey: string, container: string): (line: string) => void {
    const key = `${podKey}/${container}`;
    const run = (this.runs.get(key) ?? 0) + 1;
    this.runs.set(key, run);
    return (text) => {
      for (const line of text.split("\n")) this.append(key, line, run);
    };
  }

  /** Every line of every run (the node's log files, concatenated). */
  read(podKey: string, container: string, tailLines?: number): string[] {
    const all = (this.entries.get(`${podKey}/${container}`) ?? []).map((entry) => entry.line);
    return tailLines === undefined ? all : all.slice(Math.max(0, all.length - tailLines));
  }

  /** The lines `kubectl logs` shows: the current run (or the previous one), since a time, the last N. */
  query(podKey: string, container: string, query: LogQuery): LogEntry[] {
    const key = `${podKey}/${container}`;
    const current = this.runs.get(key) ?? 0;
    const run = query.previous ? current - 1 : current;
    const selected = (this.entries.get(key) ?? []).filter(
      (entry) => entry.run === run && (query.sinceMs === undefined || entry.time >= query.sinceMs),
    );
    return query.tailLines === undefined ? selected : selected.slice(Math.max(0, selected.length - query.tailLines));
  }

  /** Whether the container has a run before the current one. */
  hasPrevious(podKey: string, container: string): boolean {
    return (this.runs.get(`${podKey}/${container}`) ?? 0) > 1;
  }

  follow(podKey: string, container: string, onLine: (line: string) => void): () => void {
    const key = `${podKey}/${container}`;
    let set = this.followers.get(key);
    if (!set) {
      set = new Set();
      this.followers.set(key, set);
    }
    set.add(onLine);
    return () => set.delete(onLine);
  }

  forget(podKey: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(`${podKey}/`)) this.entries.delete(key);
    for (const key of [...this.runs.keys()]) if (key.startsWith(`${podKey}/`)) this.runs.delete(key);
  }

  private append(key: string, line: string, run: number): void {
    let list = this.entries.get(key);
    if (!list) {
      list = [];
      this.entries.set(key, list);
    }
    list.push({ line, time: this.clock.now(), run });
    if (list.length > CAPACITY) list.shift();
    for (const follower of this.followers.get(key) ?? []) follower(line);
  }
}
