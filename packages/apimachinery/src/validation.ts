// Structural validation of manifests, per kind, in the API server's words: a field path in Kubernetes
// style (`spec.configPatches[0].applyTo`) and a message such as `Required value` or
// `Unsupported value: "HTTP_FILTR": supported values: "LISTENER", …`. Only what the real API server
// (built-in validation or the CRD's OpenAPI schema) refuses is checked, so nothing valid is rejected.
import type { StatusCause } from "./api-error.js";
import { kindFor, kindKey } from "./kinds.js";
import { labelValueProblems, nameProblems, qualifiedNameProblems } from "./name-validation.js";

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped input; every access below is checked.
type Loose = any;
type JsonType = "string" | "integer" | "number" | "boolean" | "object" | "array";

/** Collects causes while walking one object; every check returns whether the value passed. */
class FieldChecker {
  readonly causes: StatusCause[] = [];

  required(path: string, value: unknown): boolean {
    if (value === undefined || value === null || value === "") {
      this.causes.push({ field: path, message: "Required value", reason: "FieldValueRequired" });
      return false;
    }
    return true;
  }

  /** A present value must have this JSON type (absent values pass: pair with required()). */
  type(path: string, value: unknown, expected: JsonType): boolean {
    if (value === undefined || value === null) return true;
    const actual = jsonType(value);
    if (actual === expected || (expected === "number" && actual === "integer")) return true;
    this.causes.push({
      field: path,
      message: `Invalid value: "${actual}": ${path} in body must be of type ${expected}: "${actual}"`,
      reason: "FieldValueTypeInvalid",
    });
    return false;
  }

  requiredOfType(path: string, value: unknown, expected: JsonType): boolean {
    return this.required(path, value) && this.type(path, value, expected);
  }

  oneOf(path: string, value: unknown, allowed: readonly string[]): boolean {
    if (value === undefined || value === null) return true;
    if (typeof value === "string" && allowed.includes(value)) return true;
    const supported = allowed.map((v) => `"${v}"`).join(", ");
    this.causes.push({
      field: path,
      message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}`,
      reason: "FieldValueNotSupported",
    });
    return false;
  }

  port(path: string, value: unknown, required = true): boolean {
    if (!required && (value === undefined || value === null)) return true;
    if (!this.requiredOfType(path, value, "integer")) return false;
    const port = value as number;
    if (port >= 1 && port <= 65535) return true;
    this.invalid(path, port, "must be between 1 and 65535, inclusive");
    return false;
  }

  invalid(path: string, value: unknown, detail: string): void {
    this.causes.push({
      field: path,
      message: `Invalid value: ${JSON.stringify(value)}: ${detail}`,
      reason: "FieldValueInvalid",
    });
  }

  /** Visit each element of an array field (after checking it is one). */
  each(path: string, value: unknown, visit: (item: Loose, itemPath: string) => void): void {
    if (!this.type(path, value, "array")) return;
    for (const [index, item] of ((value as unknown[] | undefined) ?? []).entries()) {
      const itemPath = `${path}[${index}]`;
      if (this.type(itemPath, item, "object")) visit(item ?? {}, itemPath);
    }
  }
}

function jsonType(value: unknown): JsonType {
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "string" || typeof value === "boolean") return typeof value as JsonType;
  return "object";
}

type KindValidator = (object: Loose, check: FieldChecker) => void;

const ENVOY_FILTER_APPLY_TO = [
  "INVALID",
  "LISTENER",
  "FILTER_CHAIN",
  "NETWORK_FILTER",
  "HTTP_FILTER",
  "ROUTE_CONFIGURATION",
  "VIRTUAL_HOST",
  "HTTP_ROUTE",
  "CLUSTER",
  "EXTENSION_CONFIG",
  "BOOTSTRAP",
  "LISTENER_FILTER",
] as const;
const ENVOY_FILTER_OPERATIONS = [
  "INVALID",
  "MERGE",
  "ADD",
  "REMOVE",
  "INSERT_BEFORE",
  "INSERT_AFTER",
  "INSERT_FIRST",
  "REPLACE",
] as const;
const ENVOY_FILTER_CONTEXTS = ["ANY", "SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"] as const;
const TLS_MODES = ["DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL"] as const;
const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] as const;
const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;
const LISTENER_PROTOCOLS = ["HTTP", "HTTPS", "TLS", "TCP", "UDP"] as const;
const PATH_MATCH_TYPES = ["Exact", "PathPrefix", "RegularExpression"] as const;
const FAILURE_MODES = ["FailOpen", "FailClose"] as const;
const SECRET_TYPES_NEEDING_KEYS: Record<string, string[]> = { "kubernetes.io/tls": ["tls.crt", "tls.key"] };

function validatePod(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  validatePodSpec(object.spec, "spec", check);
}

function validatePodSpec(spec: Loose, path: string, check: FieldChecker): void {
  if (check.requiredOfType(`${path}.containers`, spec.containers, "array") && spec.containers.length === 0) {
    check.causes.push({ field: `${path}.containers`, message: "Required value", reason: "FieldValueRequired" });
  }
  for (const field of ["containers", "initContainers"]) {
    check.each(`${path}.${field}`, spec[field], (container, containerPath) => {
      check.requiredOfType(`${containerPath}.name`, container.name, "string");
      check.requiredOfType(`${containerPath}.image`, container.image, "string");
      check.type(`${containerPath}.args`, container.args, "array");
      check.type(`${containerPath}.command`, container.command, "array");
      check.each(`${containerPath}.env`, container.env, (env, envPath) => {
        check.requiredOfType(`${envPath}.name`, env.name, "string");
        check.type(`${envPath}.value`, env.value, "string");
      });
      check.each(`${containerPath}.ports`, container.ports, (port, portPath) => {
        check.port(`${portPath}.containerPort`, port.containerPort);
        check.oneOf(`${portPath}.protocol`, port.protocol, PROTOCOLS);
      });
    });
  }
}

function validateService(object: Loose, check: FieldChecker): void {
  const spec = object.spec ?? {};
  check.type("spec", object.spec, "object");
  check.oneOf("spec.type", spec.type, SERVICE_TYPES);
  check.type("spec.selector", spec.selector, "object");
  if (spec.type !== "ExternalName" && check.type("spec.ports", spec.ports, "array") && !spec.ports?.length) {
    check.required("spec.ports", undefined);
  }
  check.each("spec.ports", spec.ports, (port, path) => {
    check.port(`${path}.port`, port.port);
    check.oneOf(`${path}.protocol`, port.protocol, PROTOCOLS);
    if (typeof port.targetPort === "number") check.port(`${path}.targetPort`, port.targetPort);
    if ((spec.ports?.length ?? 0) > 1) check.requiredOfType(`${path}.name`, port.name, "string");
  });
}

function validateDeployment(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  const spec = object.spec;
  check.type("spec.replicas", spec.replicas, "integer");
  if (typeof spec.replicas === "number" && spec.replicas < 0) {
    check.invalid("spec.replicas", spec.replicas, "must be greater than or equal to 0");
  }
  const selectorOk = check.requiredOfType("spec.selector", spec.selector, "object");
  if (!check.requiredOfType("spec.template", spec.template, "object")) return;
  const labels = spec.template.metadata?.labels ?? {};
  const wanted: Record<string, string> = selectorOk ? (spec.selector.matchLabels ?? {}) : {};
  if (selectorOk && Object.entries(wanted).some(([key, value]) => labels[key] !== value)) {
    check.causes.push({
      field: "spec.template.metadata.labels",
      message: `Invalid value: ${JSON.stringify(labels)}: \`selector\` does not match template \`labels\``,
      reason: "FieldValueInvalid",
    });
  }
  if (check.requiredOfType("spec.template.spec", spec.template.spec, "object")) {
    validatePodSpec(spec.template.spec, "spec.template.spec", check);
  }
}

function validateSecret(object: Loose, check: FieldChecker): void {
  check.type("data", object.data, "object");
  check.type("stringData", object.stringData, "object");
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
    const path = `data[${key}]`;
    if (!check.type(path, value, "string")) continue;
    const bad = base64Error(value as string);
    if (bad !== undefined) check.invalid(path, value, bad);
  }
  const present = { ...(object.data ?? {}), ...(object.stringData ?? {}) };
  for (const key of SECRET_TYPES_NEEDING_KEYS[object.type as string] ?? []) {
    if (!(key in present)) check.required(`data[${key}]`, undefined);
  }
}

/** Where Go's base64 decoder would stop, in its words (`illegal base64 data at input byte N`). */
function base64Error(text: string): string | undefined {
  const stripped = text.replace(/[\r\n]/g, "");
  const bad = /[^A-Za-z0-9+/=]/.exec(stripped);
  if (bad) return `illegal base64 data at input byte ${bad.index}`;
  const padding = stripped.indexOf("=");
  if (stripped.length % 4 !== 0 || (padding >= 0 && /[^=]/.test(stripped.slice(padding)))) {
    return `illegal base64 data at input byte ${padding >= 0 ? padding : Math.floor(stripped.length / 4) * 4}`;
  }
  return undefined;
}

function validateConfigMap(object: Loose, check: FieldChecker): void {
  if (!check.type("data", object.data, "object")) return;
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
    check.type(`data[${key}]`, value, "string");
  }
}

function validateLlmInferenceService(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  if (!check.requiredOfType("spec.model", object.spec.model, "object")) return;
  check.requiredOfType("spec.model.uri", object.spec.model.uri, "string");
  check.type("spec.model.name", object.spec.model.name, "string");
  check.type("spec.replicas", object.spec.replicas, "integer");
  check.type("spec.prefill", object.spec.prefill, "object");
  check.type("spec.router", object.spec.router, "object");
  const args = object.spec.router?.scheduler?.template?.containers;
  check.each("spec.router.scheduler.template.containers", args, (container, path) => {
    check.type(`${path}.args`, container.args, "array");
  });
}

function validateHttpRoute(object: Loose, check: FieldChecker): void {
  const spec = object.spec ?? {};
  check.type("spec", object.spec, "object");
  check.each("spec.parentRefs", spec.parentRefs, (ref, path) =>
    check.requiredOfType(`${path}.name`, ref.name, "string"),
  );
  check.type("spec.hostnames", spec.hostnames, "array");
  check.each("spec.rules", spec.rules, (rule, path) => {
    check.each(`${path}.matches`, rule.matches, (match, matchPath) => {
      if (!check.type(`${matchPath}.path`, match.path, "object") || !match.path) return;
      check.oneOf(`${matchPath}.path.type`, match.path.type, PATH_MATCH_TYPES);
      check.type(`${matchPath}.path.value`, match.path.value, "string");
    });
    check.each(`${path}.backendRefs`, rule.backendRefs, (ref, refPath) => {
      check.requiredOfType(`${refPath}.name`, ref.name, "string");
      check.port(`${refPath}.port`, ref.port, false);
      check.type(`${refPath}.weight`, ref.weight, "integer");
    });
  });
}

function validateInferencePoolV1alpha2(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  const spec = object.spec;
  check.requiredOfType("spec.selector", spec.selector, "object");
  check.port("spec.targetPortNumber", spec.targetPortNumber);
  if (!check.requiredOfType("spec.extensionRef", spec.extensionRef, "object")) return;
  check.requiredOfType("spec.extensionRef.name", spec.extensionRef.name, "string");
  check.port("spec.extensionRef.portNumber", spec.extensionRef.portNumber, false);
  check.oneOf("spec.extensionRef.failureMode", spec.extensionRef.failureMode, FAILURE_MODES);
}

function validateInferencePoolV1(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  const spec = object.spec;
  if (check.requiredOfType("spec.selector", spec.selector, "object")) {
    check.requiredOfType("spec.selector.matchLabels", spec.selector.matchLabels, "object");
  }
  if (check.requiredOfType("spec.targetPorts", spec.targetPorts, "array") && spec.targetPorts.length === 0) {
    check.required("spec.targetPorts", undefined);
  }
  check.each("spec.targetPorts", spec.targetPorts, (port, path) => check.port(`${path}.number`, port.number));
  if (!check.requiredOfType("spec.endpointPickerRef", spec.endpointPickerRef, "object")) return;
  const ref = spec.endpointPickerRef;
  check.requiredOfType("spec.endpointPickerRef.name", ref.name, "string");
  if (check.type("spec.endpointPickerRef.port", ref.port, "object") && ref.port) {
    check.port("spec.endpointPickerRef.port.number", ref.port.number);
  }
  check.oneOf("spec.endpointPickerRef.failureMode", ref.failureMode, FAILURE_MODES);
}

function validateGatewayClass(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  check.requiredOfType("spec.controllerName", object.spec.controllerName, "string");
}

function validateGateway(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  check.requiredOfType("spec.gatewayClassName", object.spec.gatewayClassName, "string");
  if (!check.requiredOfType("spec.listeners", object.spec.listeners, "array")) return;
  check.each("spec.listeners", object.spec.listeners, (listener, path) => {
    check.requiredOfType(`${path}.name`, listener.name, "string");
    check.port(`${path}.port`, listener.port);
    if (check.requiredOfType(`${path}.protocol`, listener.protocol, "string")) {
      check.oneOf(`${path}.protocol`, listener.protocol, LISTENER_PROTOCOLS);
    }
  });
}

function validateEnvoyFilter(object: Loose, check: FieldChecker): void {
  const spec = object.spec ?? {};
  check.type("spec", object.spec, "object");
  if (check.type("spec.workloadSelector", spec.workloadSelector, "object") && spec.workloadSelector) {
    check.type("spec.workloadSelector.labels", spec.workloadSelector.labels, "object");
  }
  check.type("spec.priority", spec.priority, "integer");
  check.each("spec.configPatches", spec.configPatches, (patch, path) => {
    check.oneOf(`${path}.applyTo`, patch.applyTo, ENVOY_FILTER_APPLY_TO);
    if (check.type(`${path}.match`, patch.match, "object") && patch.match) {
      const match = patch.match as Loose;
      check.oneOf(`${path}.match.context`, match.context, ENVOY_FILTER_CONTEXTS);
      check.type(`${path}.match.listener`, match.listener, "object");
      check.type(`${path}.match.routeConfiguration`, match.routeConfiguration, "object");
      check.type(`${path}.match.cluster`, match.cluster, "object");
    }
    if (check.type(`${path}.patch`, patch.patch, "object") && patch.patch) {
      const body = patch.patch as Loose;
      check.oneOf(`${path}.patch.operation`, body.operation, ENVOY_FILTER_OPERATIONS);
      check.type(`${path}.patch.value`, body.value, "object");
    }
  });
}

function validateDestinationRule(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  check.requiredOfType("spec.host", object.spec.host, "string");
  const tls = object.spec.trafficPolicy?.tls;
  check.type("spec.trafficPolicy", object.spec.trafficPolicy, "object");
  if (check.type("spec.trafficPolicy.tls", tls, "object") && tls) {
    check.oneOf("spec.trafficPolicy.tls.mode", tls.mode, TLS_MODES);
    check.type("spec.trafficPolicy.tls.insecureSkipVerify", tls.insecureSkipVerify, "boolean");
    check.type("spec.trafficPolicy.tls.subjectAltNames", tls.subjectAltNames, "array");
  }
  const pool = object.spec.trafficPolicy?.connectionPool;
  if (check.type("spec.trafficPolicy.connectionPool", pool, "object") && pool) {
    check.type("spec.trafficPolicy.connectionPool.tcp.maxConnections", pool.tcp?.maxConnections, "integer");
    for (const field of ["http1MaxPendingRequests", "http2MaxRequests", "maxRetries"]) {
      check.type(`spec.trafficPolicy.connectionPool.http.${field}`, pool.http?.[field], "integer");
    }
  }
}

function validatePolicy(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  if (!check.requiredOfType("spec.targetRef", object.spec.targetRef, "object")) return;
  for (const field of ["group", "kind", "name"]) {
    check.requiredOfType(`spec.targetRef.${field}`, object.spec.targetRef[field], "string");
  }
}

function validateMonitor(object: Loose, check: FieldChecker): void {
  if (!check.requiredOfType("spec", object.spec, "object")) return;
  check.requiredOfType("spec.selector", object.spec.selector, "object");
}

const VALIDATORS: Record<string, KindValidator> = {
  Pod: validatePod,
  Service: validateService,
  Secret: validateSecret,
  ConfigMap: validateConfigMap,
  "apps/Deployment": validateDeployment,
  "serving.kserve.io/LLMInferenceService": validateLlmInferenceService,
  "gateway.networking.k8s.io/GatewayClass": validateGatewayClass,
  "gateway.networking.k8s.io/Gateway": validateGateway,
  "gateway.networking.k8s.io/HTTPRoute": validateHttpRoute,
  "inference.networking.x-k8s.io/InferencePool": validateInferencePoolV1alpha2,
  "inference.networking.k8s.io/InferencePool": validateInferencePoolV1,
  "networking.istio.io/EnvoyFilter": validateEnvoyFilter,
  "networking.istio.io/DestinationRule": validateDestinationRule,
  "kuadrant.io/AuthPolicy": validatePolicy,
  "kuadrant.io/RateLimitPolicy": validatePolicy,
  "kuadrant.io/TokenRateLimitPolicy": validatePolicy,
  "monitoring.coreos.com/ServiceMonitor": validateMonitor,
  "monitoring.coreos.com/PodMonitor": validateMonitor,
};

/**
 * The causes an API server would refuse this object with (empty when it is valid). Identity
 * (apiVersion/kind served, metadata.name) is checked too, so a manifest loader can report everything
 * before anything is written.
 */
export function validateObject(object: unknown): StatusCause[] {
  const check = new FieldChecker();
  if (!object || typeof object !== "object" || Array.isArray(object)) {
    check.invalid("", object, "an object is required");
    return check.causes;
  }
  const candidate = object as Loose;
  if (!check.requiredOfType("apiVersion", candidate.apiVersion, "string")) return check.causes;
  if (!check.requiredOfType("kind", candidate.kind, "string")) return check.causes;
  if (!check.requiredOfType("metadata", candidate.metadata, "object")) return check.causes;
  const metadata = candidate.metadata;
  if (!metadata.generateName) check.requiredOfType("metadata.name", metadata.name, "string");
  if (typeof metadata.name === "string" && metadata.name !== "") {
    for (const problem of nameProblems(candidate.kind, metadata.name))
      check.invalid("metadata.name", metadata.name, problem);
  }
  check.type("metadata.namespace", metadata.namespace, "string");
  checkStringMap(check, "metadata.labels", metadata.labels);
  checkStringMap(check, "metadata.annotations", metadata.annotations);
  checkLabels(check, metadata.labels);
  checkAnnotationKeys(check, metadata.annotations);
  const info = kindFor(candidate.apiVersion, candidate.kind);
  const validator = info ? VALIDATORS[kindKey(info)] : undefined;
  validator?.(candidate, check);
  return check.causes;
}

/** ValidateLabels: every key a qualified name, every value a label value. */
function checkLabels(check: FieldChecker, labels: unknown): void {
  if (!labels || typeof labels !== "object" || Array.isArray(labels)) return;
  for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
    for (const problem of qualifiedNameProblems(key)) check.invalid("metadata.labels", key, problem);
    if (typeof value !== "string") continue;
    for (const problem of labelValueProblems(value)) check.invalid("metadata.labels", value, problem);
  }
}

function checkAnnotationKeys(check: FieldChecker, annotations: unknown): void {
  if (!annotations || typeof annotations !== "object" || Array.isArray(annotations)) return;
  for (const key of Object.keys(annotations as Record<string, unknown>)) {
    for (const problem of qualifiedNameProblems(key.toLowerCase())) check.invalid("metadata.annotations", key, problem);
  }
}

function checkStringMap(check: FieldChecker, path: string, value: unknown): void {
  if (!check.type(path, value, "object")) return;
  for (const [key, entry] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    check.type(`${path}[${key}]`, entry, "string");
  }
}
