// Where the kubelet keeps its pods' files (volumes and root filesystems) for one run of the testbed.
// A real kubelet backs Secret and projected volumes (the TLS Secrets, kube-api-access) with tmpfs:
// kubernetes pkg/volume/secret and pkg/volume/projected wrap an EmptyDir with Medium: Memory
// (wrappedVolumeSpec), so a pod's certificates never reach a disk; KServe's dshm is a Memory
// emptyDir as well. The testbed does the same where the OS offers every user a tmpfs (/dev/shm on
// Linux), which also keeps a burst of pods starting from waiting on the disk: on a virtual disk a
// pod's dozen directories and files took ≈ 6 ms of the main thread, on tmpfs ≈ 0.2 ms.
// Elsewhere (macOS, a missing or read-only /dev/shm) the OS's temporary directory. Memory is not
// given back by a reboot-less machine, so the directory names its testbed's process, and a new
// testbed removes those whose process is gone (killed before it could remove its own).
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processAlive } from "@testbed/apimachinery";

/** Linux's world-writable tmpfs. */
const MEMORY_BACKED = "/dev/shm";
const PREFIX = "testbed-";
/** The process that owns a state directory, written into it. */
const OWNER_FILE = ".testbed-pid";

/** A new, empty directory for one testbed's pods; the caller removes it when the testbed stops. */
export function makePodStateDir(platform: NodeJS.Platform = process.platform): string {
  const dir = platform === "linux" ? memoryBackedDir() : undefined;
  if (!dir) return mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  removeOrphans(MEMORY_BACKED, dir);
  return dir;
}

function memoryBackedDir(): string | undefined {
  try {
    return mkdtempSync(join(MEMORY_BACKED, PREFIX));
  } catch {
    return undefined; // No /dev/shm (a minimal container) or not writable: the disk, as everywhere else.
  }
}

/** State directories in `base` whose testbed process no longer runs. */
function removeOrphans(base: string, own: string): void {
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return; // Writable but not listable: nothing to tidy.
  }
  for (const name of names) {
    const dir = join(base, name);
    if (!name.startsWith(PREFIX) || dir === own) continue;
    try {
      const owner = Number(readFileSync(join(dir, OWNER_FILE), "utf8"));
      if (Number.isInteger(owner) && owner > 0 && !processAlive(owner)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Not one of ours (no owner file), or another user's: left alone.
    }
  }
}
