// The CustomResourceDefinitions of the kinds the testbed serves outside Kubernetes' own groups, as
// `kubectl get crd` lists them (read-only, built from the kind table), with each CRD's
// additionalPrinterColumns copied from the real CRD manifest (file named per entry below).
import { ApiError, KINDS, type KindInfo, type KubeObject, kindKey, notFound } from "@testbed/apimachinery";
import { crdSchemaOf } from "./crd-schemas/crd-schemas.js";
import type { PrinterColumn } from "./printer-columns.js";

/** Groups Kubernetes serves itself (not through CRDs). */
const BUILTIN_GROUPS = new Set(["", "apps", "apiextensions.k8s.io", "authorization.k8s.io"]);

const condition = (type: string, field = "status", quote = '"') =>
  `.status.conditions[?(@.type==${quote}${type}${quote})].${field}`;
const age: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

/** kuadrant-operator config/crd/bases/kuadrant.io_{authpolicies,ratelimitpolicies}.yaml. */
function kuadrantPolicyColumns(kind: string): PrinterColumn[] {
  return [
    { name: "Accepted", type: "string", priority: 2, jsonPath: condition("Accepted"), description: `${kind} Accepted` },
    { name: "Enforced", type: "string", priority: 2, jsonPath: condition("Enforced"), description: `${kind} Enforced` },
    {
      name: "TargetRefKind",
      type: "string",
      priority: 2,
      jsonPath: ".spec.targetRef.kind",
      description: "Type of the referenced Gateway API resource",
    },
    {
      name: "TargetRefName",
      type: "string",
      priority: 2,
      jsonPath: ".spec.targetRef.name",
      description: "Name of the referenced Gateway API resource",
    },
    age,
  ];
}

const PRINTER_COLUMNS: Record<string, PrinterColumn[]> = {
  // gateway-api config/crd/standard/gateway.networking.k8s.io_gateways.yaml (v1.4)
  "gateway.networking.k8s.io/Gateway": [
    { name: "Class", type: "string", jsonPath: ".spec.gatewayClassName" },
    { name: "Address", type: "string", jsonPath: ".status.addresses[*].value" },
    { name: "Programmed", type: "string", jsonPath: condition("Programmed") },
    age,
  ],
  "gateway.networking.k8s.io/GatewayClass": [
    { name: "Controller", type: "string", jsonPath: ".spec.controllerName" },
    { name: "Accepted", type: "string", jsonPath: condition("Accepted") },
    age,
    { name: "Description", type: "string", priority: 1, jsonPath: ".spec.description" },
  ],
  "gateway.networking.k8s.io/HTTPRoute": [{ name: "Hostnames", type: "string", jsonPath: ".spec.hostnames" }, age],
  // kserve config/crd/full/serving.kserve.io_llminferenceservices.yaml
  "serving.kserve.io/LLMInferenceService": [
    { name: "URL", type: "string", jsonPath: ".status.url" },
    { name: "Ready", type: "string", jsonPath: condition("Ready", "status", "'") },
    { name: "Reason", type: "string", jsonPath: condition("Ready", "reason", "'") },
    age,
    { name: "URLs", type: "string", priority: 1, jsonPath: ".status.addresses[*].url" },
  ],
  // istio manifests/charts/base/files/crd-all.gen.yaml
  "networking.istio.io/DestinationRule": [
    {
      name: "Host",
      type: "string",
      jsonPath: ".spec.host",
      description: "The name of a service from the service registry",
    },
    age,
  ],
  "kuadrant.io/AuthPolicy": kuadrantPolicyColumns("AuthPolicy"),
  "kuadrant.io/RateLimitPolicy": kuadrantPolicyColumns("RateLimitPolicy"),
  // sail-operator bundle/manifests/sailoperator.io_istios.yaml
  "sailoperator.io/Istio": [
    { name: "Namespace", type: "string", jsonPath: ".spec.namespace" },
    { name: "Profile", type: "string", jsonPath: ".spec.values.profile" },
    { name: "Revisions", type: "string", jsonPath: ".status.revisions.total" },
    { name: "Ready", type: "string", jsonPath: ".status.revisions.ready" },
    { name: "In use", type: "string", jsonPath: ".status.revisions.inUse" },
    { name: "Active Revision", type: "string", jsonPath: ".status.activeRevisionName" },
    { name: "Status", type: "string", jsonPath: ".status.state" },
    { name: "Version", type: "string", jsonPath: ".spec.version" },
    age,
  ],
  // operator-framework/api crds/operators.coreos.com_clusterserviceversions.yaml
  "operators.coreos.com/ClusterServiceVersion": [
    { name: "Display", type: "string", jsonPath: ".spec.displayName", description: "The name of the CSV" },
    { name: "Version", type: "string", jsonPath: ".spec.version", description: "The version of the CSV" },
    {
      name: "Replaces",
      type: "string",
      jsonPath: ".spec.replaces",
      description: "The name of a CSV that this one replaces",
    },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
  ],
};

/** The printer columns of a custom kind (undefined for built-in kinds and CRDs without columns). */
export function printerColumnsOf(info: KindInfo): PrinterColumn[] | undefined {
  return PRINTER_COLUMNS[kindKey(info)];
}

export function isCustomKind(info: KindInfo): boolean {
  return !BUILTIN_GROUPS.has(info.group);
}

/** One CRD object per custom group/kind (kinds served in two versions share one CRD). */
export function customResourceDefinitions(createdAt: string): KubeObject[] {
  // Listed in name order, as the real server lists (etcd key order).
  return KINDS.filter(isCustomKind)
    .map((info) => definition(info, createdAt))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
}

function definition(info: KindInfo, createdAt: string): KubeObject {
  const name = `${info.plural}.${info.group}`;
  const columns = printerColumnsOf(info);
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name, uid: crdUid(name), resourceVersion: "1", generation: 1, creationTimestamp: createdAt },
    spec: {
      group: info.group,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        ...(info.shortNames.length > 0 ? { shortNames: info.shortNames } : {}),
        ...(info.categories.length > 0 ? { categories: info.categories } : {}),
      },
      scope: info.namespaced ? "Namespaced" : "Cluster",
      versions: info.versions.map((version, index) => ({
        name: version,
        served: true,
        storage: index === 0,
        ...(columns ? { additionalPrinterColumns: columns } : {}),
        schema: { openAPIV3Schema: openApiV3SchemaOf(info, version) },
        subresources: { status: {} },
      })),
      conversion: { strategy: "None" },
    },
    status: {
      acceptedNames: { kind: info.kind, plural: info.plural, singular: info.singular },
      conditions: [
        { type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found" },
        {
          type: "Established",
          status: "True",
          reason: "InitialNamesAccepted",
          message: "the initial names have been accepted",
        },
      ].map((c) => ({ ...c, lastTransitionTime: createdAt })),
      storedVersions: [info.versions[0]],
    },
  };
}

/** The kind's structural schema (crd-schemas/), or an open one for the kinds the seed does not touch. */
export function openApiV3SchemaOf(info: KindInfo, version: string): Record<string, unknown> {
  return crdSchemaOf(kindKey(info), version) ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true };
}

/** A stable UID per CRD name, in Kubernetes' UUID shape. */
function crdUid(name: string): string {
  let hash = 2166136261;
  for (const char of name) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return `c7d00000-0000-4000-8000-${hash.toString(16).padStart(12, "0")}`;
}

/** GET on the CRD collection or one CRD; they are the kind table's, so writes are refused. */
export function serveDefinitions(
  method: string,
  name: string | undefined,
  createdAt: string,
  resourceVersion: string,
): unknown {
  if (method !== "GET") {
    throw new ApiError(
      "MethodNotAllowed",
      `the testbed's CustomResourceDefinitions are fixed (${method} is not allowed): its kinds are built in`,
    );
  }
  const all = customResourceDefinitions(createdAt);
  if (name === undefined) {
    return {
      kind: "CustomResourceDefinitionList",
      apiVersion: "apiextensions.k8s.io/v1",
      metadata: { resourceVersion },
      items: all,
    };
  }
  const found = all.find((crd) => crd.metadata.name === name);
  if (!found) throw notFound("customresourcedefinitions.apiextensions.k8s.io", name);
  return found;
}
