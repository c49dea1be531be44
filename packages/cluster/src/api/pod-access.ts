// What the API server needs from the kubelet for `oc logs` and `oc exec`. The kubelet implements it;
// tests use a fake. Containers are named (the server resolves the default before calling).

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface LogOptions {
  /** Only the last N lines (`--tail`). */
  tailLines?: number;
  /** Only lines at or after this time, epoch ms (`--since`, `--since-time`). */
  sinceMs?: number;
  /** The container's run before its last restart (`--previous`). */
  previous?: boolean;
  /** Each line prefixed with its RFC 3339 time (`--timestamps`). */
  timestamps?: boolean;
}

/** The kubelet's side of `oc logs` and `oc exec`, as the API server calls it. */
export interface PodAccess {
  logs(
    namespace: string,
    pod: string,
    container: string | undefined,
    options: LogOptions,
  ): string[] | Promise<string[]>;
  /** Every new line from now on; returns the unsubscribe function. */
  followLogs(namespace: string, pod: string, container: string | undefined, onLine: (line: string) => void): () => void;
  exec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecResult>;
}
