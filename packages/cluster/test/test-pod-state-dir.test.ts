import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { makePodStateDir } from "../src/kubelet/pod-state-dir.js";

// The kubelet's pod files (Secret and projected volumes, emptyDirs) live on tmpfs where Linux
// offers every user one, as a real kubelet backs Secret and projected volumes with tmpfs.
function sharedMemoryWritable(): boolean {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return statSync("/dev/shm").isDirectory();
  } catch {
    return false;
  }
}

describe("where the kubelet keeps its pods' files", () => {
  it("is a new directory under /dev/shm on Linux when it is writable, else under the temp directory", () => {
    const dir = makePodStateDir("linux");
    try {
      expect(statSync(dir).isDirectory()).toBe(true);
      expect(dirname(dir)).toBe(sharedMemoryWritable() ? "/dev/shm" : tmpdir());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is a new directory under the temp directory on other systems, one per testbed", () => {
    const first = makePodStateDir("darwin");
    const second = makePodStateDir("darwin");
    try {
      expect(dirname(first)).toBe(tmpdir());
      expect(first).not.toBe(second);
    } finally {
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
  });
});

describe("state directories left behind", () => {
  it.runIf(sharedMemoryWritable())(
    "are removed by the next testbed when their process is gone, and kept while it runs",
    () => {
      const orphan = makePodStateDir("linux");
      const living = makePodStateDir("linux");
      // The orphan's testbed was killed: a process id no process has (beyond the kernel's pid_max).
      writeFileSync(join(orphan, ".testbed-pid"), "99999999");
      mkdirSync(join(orphan, "pods", "ns_pod", "volumes"), { recursive: true });
      const next = makePodStateDir("linux");
      try {
        expect(existsSync(orphan)).toBe(false);
        expect(existsSync(living)).toBe(true);
        expect(readFileSync(join(next, ".testbed-pid"), "utf8")).toBe(String(process.pid));
      } finally {
        for (const dir of [orphan, living, next]) rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
