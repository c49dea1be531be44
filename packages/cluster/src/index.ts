export type { ApiServerHandle, ApiServerOptions } from "./api/api-server.js";
export { startApiServer } from "./api/api-server.js";
export { KUBERNETES_VERSION } from "./api/discovery.js";
export type { ExecResult, LogOptions, PodAccess } from "./api/pod-access.js";
export { collectionPath, objectPath } from "./api/resource-path.js";
export type { Controller, ControllerContext } from "./controllers/controller.js";
export { eventKey, ReconcileQueue, splitKey } from "./controllers/controller.js";
export { DeploymentController, podTemplateHash } from "./controllers/deployment-controller.js";
export { IngressCertificateController } from "./controllers/ingress-certificates.js";
export { LlmInferenceServiceController } from "./controllers/kserve/llmisvc-controller.js";
export type { ChildNames } from "./controllers/kserve/names.js";
export { childNames, LLMISVC_KEY } from "./controllers/kserve/names.js";
export { DEFAULT_PD_SCHEDULER_CONFIG, DEFAULT_SCHEDULER_CONFIG } from "./controllers/kserve/scheduler-configs.js";
export { KuadrantController } from "./controllers/kuadrant/kuadrant-controller.js";
export type {
  EnvoyFilterApplication,
  EnvoyFilterOutcome,
} from "./controllers/mesh/envoy-filter/apply-envoy-filters.js";
export { applyEnvoyFilters } from "./controllers/mesh/envoy-filter/apply-envoy-filters.js";
export type { EnvoyFilterTarget } from "./controllers/mesh/envoy-filter/envoy-filter-selection.js";
export { protoMerge } from "./controllers/mesh/envoy-filter/proto-merge.js";
export type { GatewayGeneration, GenerateOptions, ListenerReport } from "./controllers/mesh/gateway-config.js";
export { generateGatewayConfig } from "./controllers/mesh/gateway-config.js";
export { gatewayPodLabels } from "./controllers/mesh/gateway-deployment.js";
export type { IstioVersion } from "./controllers/mesh/istio-version.js";
export {
  DEFAULT_ISTIO_VERSION,
  envoyVersionOf,
  ISTIO_VERSIONS,
  isIstioVersion,
  istioRelease,
} from "./controllers/mesh/istio-version.js";
export type { MeshControllerOptions } from "./controllers/mesh/mesh-controller.js";
export { MeshController } from "./controllers/mesh/mesh-controller.js";
export type { MeshSnapshot } from "./controllers/mesh/mesh-snapshot.js";
export { snapshotFromObjects, snapshotFromStore } from "./controllers/mesh/mesh-snapshot.js";
export { outboundCluster, serviceFqdn, shadowServiceName } from "./controllers/mesh/names.js";
export type { EnvoyConfig } from "./controllers/mesh-config-hub.js";
export { MeshConfigHub } from "./controllers/mesh-config-hub.js";
export { SERVING_CERT_ANNOTATION, ServiceCaController } from "./controllers/service-ca.js";
export { InferencePoolEndpointSource } from "./discovery/inference-pool-source.js";
export type { DumpVersions } from "./dump-import/dump-versions.js";
export type { DumpImport } from "./dump-import/import-dump.js";
export { importDump, importedTopology } from "./dump-import/import-dump.js";
export { importSummary } from "./dump-import/import-summary.js";
export { containerArgv, containerEnv } from "./kubelet/command-line.js";
export { KUBELET_FINALIZER, Kubelet } from "./kubelet/kubelet.js";
export { nodeShapes } from "./kubelet/node-shapes.js";
export { DEFAULT_SUBNET, defaultNodes } from "./kubelet/pod-network.js";
export { repositoryName } from "./kubelet/runtimes/container-runtime.js";
export { TESTBED_IMAGES } from "./kubelet/runtimes/images.js";
export { checkSubnetFree, SubnetInUseError } from "./kubelet/subnet-in-use.js";
export { storeTarget } from "./manifests/store-target.js";
export { addressFor, detectPrivilegedPorts, servingPort, setPrivilegedPorts } from "./network/ports.js";
export type { ListOptions, WatchEvent, WatchEventType } from "./store/object-store.js";
export { ObjectStore, objectId } from "./store/object-store.js";
export type { TestbedHandle, TestbedOptions } from "./testbed.js";
export { DEFAULT_TESTBED_OPTIONS, gatewayAddress, notReady, startTestbed } from "./testbed.js";
