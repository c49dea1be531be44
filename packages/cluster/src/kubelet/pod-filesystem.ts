// A pod's view of files, on the host: every pod gets a directory, and container paths map onto
// it — a volume mount (`/var/run/kserve/tls` ← Secret) onto the volume's directory, anything else
// onto `<pod dir>/rootfs/<path>`. So `--cert-path /var/run/kserve/tls` in a manifest means what it
// means in the seed: the directory where the pod's TLS Secret is mounted.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";

export interface VolumeMount {
  name: string;
  mountPath: string;
}

/** One pod's container paths, mapped onto its directory on the host. */
export class PodFilesystem {
  private readonly mounts: Array<{ mountPath: string; hostPath: string }> = [];
  /** Volume directories made so far: a volume is rewritten on every change of its source. */
  private readonly made = new Set<string>();

  constructor(readonly root: string) {
    mkdirSync(join(root, "rootfs"), { recursive: true });
  }

  /** The host directory of a named volume (created on first use). */
  volumeDir(volume: string): string {
    const dir = join(this.root, "volumes", volume);
    if (!this.made.has(dir)) mkdirSync(dir, { recursive: true });
    this.made.add(dir);
    return dir;
  }

  /** Write a volume's files (Secret/ConfigMap keys → file names). */
  writeVolume(volume: string, files: Record<string, string | Buffer>): void {
    const dir = this.volumeDir(volume);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  }

  mount(mountPath: string, volume: string): void {
    this.mountHostPath(mountPath, this.volumeDir(volume));
  }

  /** Mount a host directory (a pod process rebuilds its parent's mount table this way). */
  mountHostPath(mountPath: string, hostPath: string): void {
    const normalized = posix.normalize(mountPath).replace(/\/$/, "");
    this.mounts.push({ mountPath: normalized, hostPath });
    // Longest mount first, so /var/run/secrets/kubernetes.io/serviceaccount beats /var/run.
    this.mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
  }

  mountTable(): Array<{ mountPath: string; hostPath: string }> {
    return this.mounts.map((mount) => ({ ...mount }));
  }

  /** Host path of a container path. Relative paths are taken from the container's root. */
  resolve(containerPath: string): string {
    const path = posix.normalize(posix.isAbsolute(containerPath) ? containerPath : `/${containerPath}`);
    for (const { mountPath, hostPath } of this.mounts) {
      if (path === mountPath) return hostPath;
      if (path.startsWith(`${mountPath}/`)) return join(hostPath, path.slice(mountPath.length + 1));
    }
    return join(this.root, "rootfs", path);
  }

  /** Write a file at a container path (the storage initializer uses this). */
  writeFile(containerPath: string, content: string): void {
    const hostPath = this.resolve(containerPath);
    mkdirSync(posix.dirname(hostPath), { recursive: true });
    writeFileSync(hostPath, content);
  }

  remove(): void {
    this.made.clear();
    rmSync(this.root, { recursive: true, force: true });
  }
}
