// Pods bind their containers' ports on their own loopback IP. Ports below 1024 need privileges an
// ordinary laptop user lacks, so there the kubelet shifts them by 8000 (443 → 8443) and the
// gateway's status address carries the port (`127.131.0.2:8443`), which keeps the seed's
// `https://$GW/...` commands working. As root (CI containers) the real ports are used.
import { createServer } from "node:net";

/** Added to a port below 1024 that this process may not bind (443 → 8443). */
export const PRIVILEGED_PORT_SHIFT = 8000;

let privileged: boolean | undefined;

/** Probe once whether this process may bind ports below 1024. */
export async function detectPrivilegedPorts(): Promise<boolean> {
  if (privileged !== undefined) return privileged;
  privileged = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port: 1023 }, () => server.close(() => resolve(true)));
  });
  return privileged;
}

/** Force the answer (tests, and `--unprivileged-ports`). */
export function setPrivilegedPorts(value: boolean): void {
  privileged = value;
}

/** The port a container port is served on, on the pod's loopback IP. */
export function servingPort(containerPort: number): number {
  if (containerPort >= 1024 || privileged === true) return containerPort;
  return containerPort + PRIVILEGED_PORT_SHIFT;
}

/** `ip` or `ip:port`, for status addresses and URLs, omitting the port when it is the usual one. */
export function addressFor(ip: string, containerPort: number): string {
  const port = servingPort(containerPort);
  return port === containerPort ? ip : `${ip}:${port}`;
}
