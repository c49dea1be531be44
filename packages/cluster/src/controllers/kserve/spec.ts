// An LLMInferenceService's spec (serving.kserve.io/v1alpha1, as RHOAI 3.2 ships it), read and
// checked once so the builders work on plain, valid values. A bad spec is reported as the API
// server would word a field error, and becomes a Ready=False condition rather than an exception.
import type { KubeObject } from "@testbed/apimachinery";
import { DEFAULT_GATEWAY } from "./names.js";

// biome-ignore lint/suspicious/noExplicitAny: pod specs are open-ended Kubernetes objects, merged as data.
export type PodSpec = Record<string, any>;

export interface ParentGateway {
  name: string;
  namespace: string;
}

export interface LlmisvcSpec {
  modelUri: string;
  servedModelName: string;
  replicas: number;
  template: PodSpec | undefined;
  prefill: { replicas: number; template: PodSpec | undefined } | undefined;
  router: RouterSpec | undefined;
}

export interface RouterSpec {
  /** Present when KServe manages the HTTPRoute (`route: {}` or `route.http.spec`). */
  managedRoute: { spec: PodSpec | undefined } | undefined;
  /** HTTPRoutes the user manages (`route.http.refs`). */
  routeRefs: string[];
  gateways: ParentGateway[];
  /** Present when KServe runs the scheduler (`scheduler: {}` or with a template). */
  scheduler: { template: PodSpec | undefined; poolSpec: Record<string, unknown> | undefined } | undefined;
  /** An existing InferencePool the user named (`scheduler.pool.ref`); then no scheduler is created. */
  poolRef: string | undefined;
}

export type SpecResult = { ok: true; spec: LlmisvcSpec } | { ok: false; message: string };

class SpecError extends Error {}

export function readSpec(object: KubeObject): SpecResult {
  try {
    return { ok: true, spec: parse(object) };
  } catch (error) {
    if (error instanceof SpecError) return { ok: false, message: error.message };
    throw error;
  }
}

function parse(object: KubeObject): LlmisvcSpec {
  const spec = record(object.spec, "spec") ?? {};
  const model = record(spec.model, "spec.model");
  if (!model) fail("spec.model", "Required value");
  const uri = model.uri;
  if (typeof uri !== "string" || uri === "") fail("spec.model.uri", "Required value");
  if (!/^[a-z][a-z0-9+.-]*:\/\/./.test(uri))
    fail("spec.model.uri", `Invalid value: "${uri}": must be a URI such as hf://org/model`);
  const name = model.name;
  if (name !== undefined && (typeof name !== "string" || name === ""))
    fail("spec.model.name", "Invalid value: must be a non-empty string");
  const prefill = record(spec.prefill, "spec.prefill");
  return {
    modelUri: uri,
    servedModelName: (name as string | undefined) ?? object.metadata.name,
    replicas: replicas(spec.replicas, "spec.replicas"),
    template: podSpec(spec.template, "spec.template"),
    prefill: prefill
      ? {
          replicas: replicas(prefill.replicas, "spec.prefill.replicas"),
          template: podSpec(prefill.template, "spec.prefill.template"),
        }
      : undefined,
    router: router(spec.router, object.metadata.namespace ?? "default"),
  };
}

function router(value: unknown, namespace: string): RouterSpec | undefined {
  const router = record(value, "spec.router");
  if (!router) return undefined;
  const route = record(router.route, "spec.router.route");
  const http = route ? record(route.http, "spec.router.route.http") : undefined;
  const routeRefs = refNames(http?.refs, "spec.router.route.http.refs");
  const gateway = record(router.gateway, "spec.router.gateway");
  const scheduler = record(router.scheduler, "spec.router.scheduler");
  const pool = scheduler ? record(scheduler.pool, "spec.router.scheduler.pool") : undefined;
  const poolRef = pool ? record(pool.ref, "spec.router.scheduler.pool.ref") : undefined;
  if (poolRef && typeof poolRef.name !== "string") fail("spec.router.scheduler.pool.ref.name", "Required value");
  return {
    managedRoute:
      route && routeRefs.length === 0 ? { spec: record(http?.spec, "spec.router.route.http.spec") } : undefined,
    routeRefs,
    gateways: gatewayRefs(gateway?.refs, namespace),
    scheduler:
      scheduler && !poolRef
        ? {
            template: podSpec(scheduler.template, "spec.router.scheduler.template"),
            poolSpec: pool ? record(pool.spec, "spec.router.scheduler.pool.spec") : undefined,
          }
        : undefined,
    poolRef: poolRef?.name as string | undefined,
  };
}

function gatewayRefs(value: unknown, namespace: string): ParentGateway[] {
  if (value === undefined) return [{ ...DEFAULT_GATEWAY }];
  if (!Array.isArray(value)) fail("spec.router.gateway.refs", "Invalid value: must be a list");
  if (value.length === 0) return [{ ...DEFAULT_GATEWAY }];
  return value.map((ref, i) => {
    const entry = record(ref, `spec.router.gateway.refs[${i}]`);
    if (!entry || typeof entry.name !== "string") fail(`spec.router.gateway.refs[${i}].name`, "Required value");
    return { name: entry.name, namespace: typeof entry.namespace === "string" ? entry.namespace : namespace };
  });
}

function refNames(value: unknown, field: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, "Invalid value: must be a list");
  return value.map((ref, i) => {
    const entry = record(ref, `${field}[${i}]`);
    if (!entry || typeof entry.name !== "string") fail(`${field}[${i}].name`, "Required value");
    return entry.name;
  });
}

function podSpec(value: unknown, field: string): PodSpec | undefined {
  const spec = record(value, field);
  if (!spec) return undefined;
  for (const list of ["containers", "initContainers"]) {
    const containers = spec[list];
    if (containers === undefined) continue;
    if (!Array.isArray(containers)) fail(`${field}.${list}`, "Invalid value: must be a list");
    for (const [i, container] of containers.entries()) checkContainer(container, `${field}.${list}[${i}]`);
  }
  return spec;
}

function checkContainer(value: unknown, field: string): void {
  const container = record(value, field);
  if (!container || typeof container.name !== "string" || container.name === "")
    fail(`${field}.name`, "Required value");
  for (const list of ["args", "command"]) {
    const items = container[list];
    if (items !== undefined && (!Array.isArray(items) || items.some((item) => typeof item !== "string"))) {
      fail(`${field}.${list}`, "Invalid value: must be a list of strings");
    }
  }
  if (container.env !== undefined && !Array.isArray(container.env))
    fail(`${field}.env`, "Invalid value: must be a list");
}

function replicas(value: unknown, field: string): number {
  if (value === undefined || value === null) return 1;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(field, `Invalid value: ${JSON.stringify(value)}: must be greater than or equal to 0`);
  }
  return value;
}

// biome-ignore lint/suspicious/noExplicitAny: see PodSpec.
function record(value: unknown, field: string): Record<string, any> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) fail(field, "Invalid value: must be an object");
  return value as Record<string, unknown>;
}

function fail(field: string, message: string): never {
  throw new SpecError(`${field}: ${message}`);
}
