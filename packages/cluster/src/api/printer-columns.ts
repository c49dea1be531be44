// The columns the API server prints per kind for `kubectl get` (server-side Table printing): the
// built-in kinds' handlers as in kubernetes/pkg/printers/internalversion/printers.go, and the CRDs'
// additionalPrinterColumns as the real CRD manifests define them (gateway-api, kserve, sail-operator,
// OLM, kuadrant, istio). A kind without columns gets the CRD default: Name and Age.
import {
  ageSince,
  dataCount,
  evaluate,
  eventLastSeen,
  eventObject,
  type KindInfo,
  type KubeObject,
  kindKey,
  nodeRoles,
  nodeStatus,
  nodeVersion,
  noneIfEmpty,
  parsePath,
  podReady,
  podRestarts,
  podStatus,
  serviceExternalIp,
  servicePorts,
  templateContainers,
} from "@testbed/apimachinery";

/** metav1.TableColumnDefinition. */
export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

/** A cell as the server sends it: kubectl prints it with Go's %v (nil cells print as `<none>`). */
export type Cell = string | number | boolean | null;

export interface KindColumns {
  definitions: ColumnDefinition[];
  cells(object: KubeObject, now: number): Cell[];
}

/** A CRD's additionalPrinterColumns entry (apiextensions.k8s.io/v1 CustomResourceColumnDefinition). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

type CellOf = (object: KubeObject, now: number) => Cell;

interface BuiltinColumn {
  name: string;
  type?: string;
  priority?: number;
  format?: string;
  description?: string;
  cell: CellOf;
}

const NAME_DESCRIPTION =
  "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const AGE_DESCRIPTION =
  "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const nameColumn: BuiltinColumn = {
  name: "Name",
  format: "name",
  description: NAME_DESCRIPTION,
  cell: (o) => o.metadata.name,
};
const ageColumn: BuiltinColumn = {
  name: "Age",
  description: AGE_DESCRIPTION,
  cell: (o, now) => ageSince(o.metadata.creationTimestamp, now),
};

const none = noneIfEmpty;

function labelsText(labels: Record<string, string> | undefined): string {
  return none(
    Object.entries(labels ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
}

const wideTemplateColumns: BuiltinColumn[] = [
  { name: "Containers", priority: 1, cell: (o) => templateContainers(o, "name") },
  { name: "Images", priority: 1, cell: (o) => templateContainers(o, "image") },
  { name: "Selector", priority: 1, cell: (o) => labelsText(o.spec?.selector?.matchLabels) },
];

const BUILTIN: Record<string, BuiltinColumn[]> = {
  Pod: [
    nameColumn,
    { name: "Ready", cell: podReady },
    { name: "Status", cell: podStatus },
    { name: "Restarts", cell: podRestarts },
    ageColumn,
    { name: "IP", priority: 1, cell: (o) => o.status?.podIP ?? "<none>" },
    { name: "Node", priority: 1, cell: (o) => o.spec?.nodeName ?? "<none>" },
    { name: "Nominated Node", priority: 1, cell: (o) => o.status?.nominatedNodeName ?? "<none>" },
    {
      name: "Readiness Gates",
      priority: 1,
      cell: (o) =>
        none(
          ((o.spec?.readinessGates ?? []) as Array<{ conditionType: string }>).map((g) => g.conditionType).join(","),
        ),
    },
  ],
  Service: [
    nameColumn,
    { name: "Type", cell: (o) => o.spec?.type ?? "ClusterIP" },
    { name: "Cluster-IP", cell: (o) => o.spec?.clusterIP ?? "<none>" },
    { name: "External-IP", cell: serviceExternalIp },
    { name: "Port(s)", cell: servicePorts },
    ageColumn,
    { name: "Selector", priority: 1, cell: (o) => labelsText(o.spec?.selector) },
  ],
  "apps/Deployment": [
    nameColumn,
    { name: "Ready", cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}` },
    { name: "Up-to-date", type: "string", cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: "Available", type: "string", cell: (o) => o.status?.availableReplicas ?? 0 },
    ageColumn,
    ...wideTemplateColumns,
  ],
  "apps/ReplicaSet": [
    nameColumn,
    { name: "Desired", type: "integer", cell: (o) => o.spec?.replicas ?? 1 },
    { name: "Current", type: "integer", cell: (o) => o.status?.replicas ?? 0 },
    { name: "Ready", type: "integer", cell: (o) => o.status?.readyReplicas ?? 0 },
    ageColumn,
    ...wideTemplateColumns,
  ],
  // printers.go printNode: Ready/NotReady (plus SchedulingDisabled), the node-role.kubernetes.io/* roles.
  Node: [
    nameColumn,
    { name: "Status", cell: nodeStatus },
    { name: "Roles", cell: nodeRoles },
    ageColumn,
    { name: "Version", cell: nodeVersion },
  ],
  Namespace: [
    nameColumn,
    { name: "Status", cell: (o) => (o.metadata.deletionTimestamp ? "Terminating" : (o.status?.phase ?? "Active")) },
    ageColumn,
  ],
  Secret: [
    nameColumn,
    { name: "Type", cell: (o) => (o.type as string | undefined) ?? "Opaque" },
    { name: "Data", cell: dataCount },
    ageColumn,
  ],
  ConfigMap: [nameColumn, { name: "Data", cell: dataCount }, ageColumn],
  ServiceAccount: [nameColumn, { name: "Secrets", cell: (o) => ((o.secrets as unknown[]) ?? []).length }, ageColumn],
  Event: [
    { name: "Last Seen", cell: eventLastSeen },
    { name: "Type", cell: (o) => String(o.type ?? "") },
    { name: "Reason", cell: (o) => String(o.reason ?? "") },
    { name: "Object", cell: eventObject },
    {
      name: "Subobject",
      priority: 1,
      cell: (o) => String((o.involvedObject as { fieldPath?: string })?.fieldPath ?? ""),
    },
    { name: "Source", priority: 1, cell: (o) => String((o.source as { component?: string })?.component ?? "") },
    { name: "Message", cell: (o) => String(o.message ?? "") },
    {
      name: "First Seen",
      priority: 1,
      cell: (o, now) => ageSince((o.firstTimestamp as string | undefined) ?? o.metadata.creationTimestamp, now),
    },
    { name: "Count", priority: 1, cell: (o) => String(o.count ?? 1) },
    { name: "Name", priority: 1, format: "name", cell: (o) => o.metadata.name },
  ],
};

/** The CRD convention `kubectl get crd` shows (apiserver's default table convertor): Name, Created At. */
const CRD_COLUMNS: BuiltinColumn[] = [
  nameColumn,
  {
    name: "Created At",
    type: "date",
    description: AGE_DESCRIPTION,
    cell: (o) => o.metadata.creationTimestamp ?? null,
  },
];

function builtinColumns(columns: BuiltinColumn[]): KindColumns {
  return {
    definitions: columns.map((c) => ({
      name: c.name,
      type: c.type ?? "string",
      format: c.format ?? "",
      description: c.description ?? "",
      priority: c.priority ?? 0,
    })),
    cells: (object, now) => columns.map((c) => c.cell(object, now)),
  };
}

/** A CRD's printer columns, read the way apiextensions-apiserver's tableconvertor reads them. */
export function crdColumns(printerColumns: readonly PrinterColumn[]): KindColumns {
  const paths = printerColumns.map((column) => parsePath(column.jsonPath));
  return {
    definitions: [
      { name: "Name", type: "string", format: "name", description: NAME_DESCRIPTION, priority: 0 },
      ...printerColumns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? "",
        description: column.description ?? `Custom resource definition column (in JSONPath format): ${column.jsonPath}`,
        priority: column.priority ?? 0,
      })),
    ],
    cells: (object, now) => [
      object.metadata.name,
      // Only the first result counts ("we only support simple JSON path"), as in the real convertor.
      ...printerColumns.map((column, index) => crdCell(column.type, evaluate(paths[index] ?? [], object)[0], now)),
    ],
  };
}

function crdCell(type: string, value: unknown, now: number): Cell {
  if (value === undefined || value === null) return null;
  if (type === "string") return typeof value === "string" ? value : JSON.stringify(value);
  if (type === "integer") return typeof value === "number" ? Math.trunc(value) : null;
  if (type === "number") return typeof value === "number" ? value : null;
  if (type === "boolean") return typeof value === "boolean" ? value : null;
  if (type === "date") {
    if (typeof value !== "string") return null;
    return Number.isNaN(Date.parse(value)) ? "<invalid>" : ageSince(value, now);
  }
  return null;
}

const AGE_PRINTER_COLUMN: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

/** The columns a kind prints: built-in printer, CRD columns, or Name/Age. */
export function columnsFor(info: KindInfo, printerColumns: readonly PrinterColumn[] | undefined): KindColumns {
  const key = kindKey(info);
  if (key === "apiextensions.k8s.io/CustomResourceDefinition") return builtinColumns(CRD_COLUMNS);
  const builtin = BUILTIN[key];
  if (builtin) return builtinColumns(builtin);
  return crdColumns(printerColumns && printerColumns.length > 0 ? printerColumns : [AGE_PRINTER_COLUMN]);
}
