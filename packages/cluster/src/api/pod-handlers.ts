// `pods/log` and `pods/exec`: find the pod and container the way the API server does, then hand
// over to the kubelet's PodAccess. Exec is a JSON request/response here instead of Kubernetes'
// websocket stream — enough for `oc exec POD -- cmd` with captured output and an exit code.

import type { KubeObject } from "@testbed/apimachinery";
import { ApiError } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";
import type { PodAccess } from "./pod-access.js";

export interface ExecRequest {
  container?: string;
  command: string[];
}

/** The pod and the container a log or exec request addresses (the default container when none is named). */
export function resolveContainer(store: ObjectStore, namespace: string, podName: string, container?: string): string {
  const pod = store.require("Pod", namespace, podName);
  const names = containerNames(pod);
  if (container === undefined || container === "") {
    const preferred = pod.metadata.annotations?.["kubectl.kubernetes.io/default-container"];
    const chosen = preferred && names.includes(preferred) ? preferred : names[0];
    if (!chosen) throw new ApiError("BadRequest", `pod ${podName} has no containers`);
    return chosen;
  }
  if (!names.includes(container)) {
    throw new ApiError("BadRequest", `container ${container} is not valid for pod ${podName}`);
  }
  return container;
}

export function containerNames(pod: KubeObject): string[] {
  const named = (list: unknown) => ((list ?? []) as Array<{ name?: string }>).map((c) => c.name ?? "");
  return [...named(pod.spec?.containers), ...named(pod.spec?.initContainers)].filter((n) => n !== "");
}

export function requirePodAccess(access: PodAccess | undefined): PodAccess {
  if (!access)
    throw new ApiError("InternalError", "no kubelet is attached to this API server: pod logs and exec are unavailable");
  return access;
}

export function parseTailLines(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const lines = Number(value);
  if (!Number.isInteger(lines)) {
    throw new ApiError("BadRequest", `tailLines: Invalid value: "${value}": must be an integer`);
  }
  // kubectl sends --tail=-1 for "all lines".
  return lines < 0 ? undefined : lines;
}

/** `limitBytes` (`--limit-bytes`): a positive integer, as the API server validates PodLogOptions. */
export function parseLimitBytes(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const bytes = Number(value);
  if (!Number.isInteger(bytes) || bytes < 1) {
    throw new ApiError(
      "Invalid",
      `PodLogOptions "" is invalid: limitBytes: Invalid value: ${value}: must be greater than 0`,
    );
  }
  return bytes;
}

/** The first `limit` bytes of the log (possibly mid-line, as the kubelet cuts it). */
export function limitBytes(text: string, limit: number | undefined): string {
  if (limit === undefined) return text;
  return Buffer.from(text).subarray(0, limit).toString("utf8");
}

export function parseExecRequest(text: string | undefined): ExecRequest {
  let body: unknown;
  try {
    body = JSON.parse(text ?? "");
  } catch (error) {
    throw new ApiError("BadRequest", `the exec request is not JSON: ${(error as Error).message}`);
  }
  const request = body as Partial<ExecRequest> | null;
  const valid =
    request !== null &&
    typeof request === "object" &&
    Array.isArray(request.command) &&
    request.command.length > 0 &&
    request.command.every((part) => typeof part === "string") &&
    (request.container === undefined || typeof request.container === "string");
  if (!valid) throw new ApiError("BadRequest", "you must specify at least one command for the container");
  return request as ExecRequest;
}
