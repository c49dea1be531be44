// `pods/exec` and `pods/attach` over WebSocket, as kubectl (1.30+: WebSocket first), oc and the client
// libraries call them: the command line and options come in the query (`command=` repeated,
// `container`, `stdin`, `stdout`, `stderr`, `tty`), output goes out on the channel protocol, and the
// error channel carries the final Status (Success, or NonZeroExitCode with the exit code).
import type { ObjectStore } from "../store/object-store.js";
import { type ChannelSocket, ERROR, exitStatus, failureStatus, STDERR, STDOUT } from "./channel-protocol.js";
import type { PodAccess } from "./pod-access.js";

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** kubectl's boolean query parameters: `true`/`1` (absent or anything else is false). */
export function streamOptionsOf(query: URLSearchParams): StreamOptions {
  const flag = (name: string) => ["true", "1"].includes(query.get(name) ?? "");
  return { stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty") };
}

export interface PodStreamTarget {
  namespace: string;
  pod: string;
  container: string;
}

/** Run the command to completion, then send its output and exit status (the kubelet's exec is not interactive). */
export async function streamExec(
  channels: ChannelSocket,
  access: PodAccess,
  target: PodStreamTarget,
  command: string[],
  options: StreamOptions,
): Promise<void> {
  try {
    const result = await access.exec(target.namespace, target.pod, target.container, command);
    if (options.stdout && result.stdout !== "") channels.write(STDOUT, result.stdout);
    // With a TTY there is one output stream: stderr arrives on stdout, as a terminal shows it.
    const stderrChannel = options.tty ? STDOUT : STDERR;
    if ((options.stderr || options.tty) && result.stderr !== "") channels.write(stderrChannel, result.stderr);
    channels.write(ERROR, JSON.stringify(exitStatus(command, result.exitCode)));
  } catch (error) {
    channels.write(ERROR, JSON.stringify(failureStatus((error as Error).message)));
  }
  channels.close();
}

/**
 * Stream the container's output until it terminates (or the pod goes away), then Success. The
 * output so far comes first: a run-to-completion container (`kubectl run -it … -- curl …`) may
 * have printed before the client attached, and its user should still see it once.
 */
export async function streamAttach(
  channels: ChannelSocket,
  access: PodAccess,
  store: ObjectStore,
  target: PodStreamTarget,
  options: StreamOptions,
): Promise<void> {
  const write = (line: string) => {
    if (options.stdout) channels.write(STDOUT, `${line}${options.tty ? "\r\n" : "\n"}`);
  };
  for (const line of trimTrailingEmpty(await access.logs(target.namespace, target.pod, target.container, {}))) {
    write(line);
  }
  const unfollow = access.followLogs(target.namespace, target.pod, target.container, write);
  let done = false;
  const stop = () => {
    done = true;
    unfollow();
    unwatch();
  };
  const finish = () => {
    if (done) return;
    stop();
    channels.write(ERROR, JSON.stringify(exitStatus([], 0)));
    channels.close();
  };
  const unwatch = store.watch((event) => {
    if (event.key !== "Pod" || event.object.metadata.namespace !== target.namespace) return;
    if (event.object.metadata.name !== target.pod) return;
    if (event.type === "DELETED" || containerTerminated(event.object, target.container)) finish();
  });
  channels.socket.on("close", stop);
  const pod = store.get("Pod", target.namespace, target.pod);
  if (!pod || containerTerminated(pod, target.container)) finish();
}

function containerTerminated(pod: { status?: Record<string, unknown> }, container: string): boolean {
  const statuses = [
    ...((pod.status?.containerStatuses ?? []) as ContainerStatus[]),
    ...((pod.status?.initContainerStatuses ?? []) as ContainerStatus[]),
  ];
  const status = statuses.find((s) => s.name === container);
  return status?.state?.terminated !== undefined;
}

interface ContainerStatus {
  name?: string;
  state?: { terminated?: unknown };
}

/** Logs end with the empty line after the last newline; the terminal would show it as a blank line. */
function trimTrailingEmpty(lines: string[]): string[] {
  let end = lines.length;
  while (end > 0 && lines[end - 1] === "") end--;
  return lines.slice(0, end);
}
