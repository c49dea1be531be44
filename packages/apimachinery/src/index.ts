export { ageSince, humanDuration } from "./age.js";
export type { StatusCause, StatusReason } from "./api-error.js";
export { ApiError, alreadyExists, invalid, notFound } from "./api-error.js";
export { evaluate, formatValue, goJson, JsonPathError, parsePath, renderJsonPath } from "./jsonpath.js";
export type { KindInfo } from "./kinds.js";
export { apiVersionOf, KINDS, kindFor, kindKey, resolveResource } from "./kinds.js";
export type { Condition, KubeObject, ObjectMeta, OwnerReference } from "./kube-object.js";
export { controllerReference, groupOf, isPodReady, kubeTime, setCondition } from "./kube-object.js";
export { KUBECONFIG_CONTEXT, kubeconfigFile, kubeconfigText, writeKubeconfig } from "./kubeconfig.js";
export type { LabelSelector, Requirement } from "./label-selector.js";
export { matchesSelector, parseSelector, SelectorError, selectorFromObject } from "./label-selector.js";
export type { ManagedFieldsEntry, OwnershipContext } from "./managed-fields.js";
export { recordUpdate, serverSideApply } from "./managed-fields.js";
export type { ApplyAction, ApplyOptions, ApplyResult } from "./manifests/apply-manifests.js";
export {
  applyManifests,
  LAST_APPLIED_ANNOTATION,
  mergeForApply,
  objectReference,
} from "./manifests/apply-manifests.js";
export { loadManifests, manifestFiles, readStdin } from "./manifests/load-manifests.js";
export type { ManifestSource } from "./manifests/manifest-error.js";
export { describeSource, ManifestError } from "./manifests/manifest-error.js";
export type { ManifestTarget } from "./manifests/manifest-target.js";
export type { Manifest } from "./manifests/parse-manifests.js";
export { parseManifests } from "./manifests/parse-manifests.js";
export {
  dns1035Label,
  dns1123Label,
  dns1123Subdomain,
  labelValueProblems,
  nameProblems,
  pathSegmentProblems,
  qualifiedNameProblems,
} from "./name-validation.js";
export type { PatchType } from "./patch.js";
export { applyPatch, mergePatch, patchTypeOf } from "./patch.js";
export type { PatchMeta } from "./patch-meta.js";
export { BUILT_IN_PATCH_META, patchMetaOf } from "./patch-meta.js";
export { podReady, podRestarts, podStatus } from "./pod-status.js";
export {
  dataCount,
  eventLastSeen,
  eventObject,
  nodeRoles,
  nodeStatus,
  nodeVersion,
  noneIfEmpty,
  serviceExternalIp,
  servicePorts,
  templateContainers,
} from "./resource-cells.js";
export type { ServerAddress, ServerRecord } from "./server-address.js";
export {
  clearServerAddress,
  processAlive,
  readServerAddress,
  readServerRecord,
  runningServer,
  serverAddressFile,
  serverCaFile,
  testbedHome,
  writeServerAddress,
} from "./server-address.js";
export { strategicMergePatch } from "./strategic-merge-patch.js";
export { validateObject } from "./validation.js";
