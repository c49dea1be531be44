// Where the kubelet keeps its pods' files (volumes and root filesystems) for one run of the testbed.
// A real kubelet backs Secret and projected volumes (the TLS Secrets, kube-api-access) with tmpfs:
// kubernetes pkg/volume/secret and pkg/volume/projected wrap an EmptyDir with Medium: Memory
// (wrappedVolumeSpec), so a pod's certificates never reach a disk; KServe's dshm is a Memory
// emptyDir as well. The testbed does the same where the OS offers every user a tmpfs (/dev/shm on
// Linux), which also keeps a burst of pods starting from waiting on the disk: on a virtual disk a
// pod's dozen directories and files took ≈ 6 ms of the main thread, on tmpfs ≈ 0.2 ms.
// Elsewhere (macOS, a missing or read-only /dev/shm) the OS's temporary directory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Linux's world-writable tmpfs. */
const MEMORY_BACKED = "/dev/shm";

/** A new, empty directory for one testbed's pods; the caller removes it when the testbed stops. */
export function makePodStateDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === "linux") {
    try {
      return mkdtempSync(join(MEMORY_BACKED, "testbed-"));
    } catch {
      // No /dev/shm (a minimal container) or not writable: the disk, as everywhere else.
    }
  }
  return mkdtempSync(join(tmpdir(), "testbed-"));
}
