// What `oc logs` reads: each container's output, kept per pod and container name across restarts
// (a restart appends, like the node's log file), with followers for `oc logs -f`.

const CAPACITY = 10_000;

/** Every container's output by pod and container name, with followers for `oc logs -f`. */
export class ContainerLogs {
  private readonly lines = new Map<string, string[]>();
  private readonly followers = new Map<string, Set<(line: string) => void>>();

  sink(podKey: string, container: string): (line: string) => void {
    const key = `${podKey}/${container}`;
    return (text) => {
      for (const line of text.split("\n")) this.append(key, line);
    };
  }

  read(podKey: string, container: string, tailLines?: number): string[] {
    const all = this.lines.get(`${podKey}/${container}`) ?? [];
    return tailLines === undefined ? [...all] : all.slice(Math.max(0, all.length - tailLines));
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
    for (const key of [...this.lines.keys()]) if (key.startsWith(`${podKey}/`)) this.lines.delete(key);
  }

  private append(key: string, line: string): void {
    let list = this.lines.get(key);
    if (!list) {
      list = [];
      this.lines.set(key, list);
    }
    list.push(line);
    if (list.length > CAPACITY) list.shift();
    for (const follower of this.followers.get(key) ?? []) follower(line);
  }
}
