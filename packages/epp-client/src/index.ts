export * from "./client.js";
export type { ContractCase, ContractContext } from "./contract/contract-cases.js";
export { CONTRACT_CASES, ContractFailure, chatBody, routeOnce } from "./contract/contract-cases.js";
export type { PoolPod, PoolPodSpec } from "./contract/contract-pool.js";
export { ContractPool, DEFAULT_POOL, endpointsYaml } from "./contract/contract-pool.js";
export type { ContractResult, ContractRun } from "./contract/contract-runner.js";
export { formatContractReport, runContract } from "./contract/contract-runner.js";
