import { readFileSync } from "node:fs";

/** What the benchmarks read about their processes, from /proc (Linux), and how they summarise runs. */

/** A process's direct children (the pod processes under --isolation process); none if it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // The process is gone, or no children file on this kernel: count it alone.
  }
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  return [pid, ...childPids(pid).flatMap(processTree)];
}

/** Resident set size of a process and its children (the pod processes under --isolation process). */
export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const own = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  return own + childPids(pid).reduce((total, child) => total + readRssBytes(child), 0);
}

/** utime + stime of a process (clock ticks of 1/100 s). */
export function readCpuSeconds(pid: number): number {
  return cpuSecondsOf(readFileSync(`/proc/${pid}/stat`, "utf8"));
}

/** utime + stime of a process and all its descendants. */
export function treeCpuSeconds(pid: number): number {
  return readCpuSeconds(pid) + descendantsCpuSeconds(pid);
}

/** utime + stime of a process's descendants only (the pod processes under --isolation process). */
export function descendantsCpuSeconds(pid: number): number {
  return childPids(pid).reduce((total, child) => total + treeCpuSeconds(child), 0);
}

/** utime + stime of one thread of a process; its main thread has the process's own id. */
export function readThreadCpuSeconds(pid: number, tid: number): number {
  return cpuSecondsOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"));
}

function cpuSecondsOf(stat: string): number {
  // Fields after the command name (which may contain spaces) start after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}
