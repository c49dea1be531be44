// @testbed/epp-client: a gateway's client of an Endpoint Picker and the contract suite built on
// it. The gateway imports "@testbed/epp-client/client" instead, which leaves out the suite's pods.
export type { EppConnectionOptions } from "./client.js";
export { EppClient } from "./client.js";
export type { ContractCase, ContractContext } from "./contract/contract-cases.js";
export { CONTRACT_CASES, ContractFailure, chatBody, routeOnce } from "./contract/contract-cases.js";
export type { PoolPod, PoolPodSpec } from "./contract/contract-pool.js";
export { ContractPool, DEFAULT_POOL, endpointsYaml } from "./contract/contract-pool.js";
export type { ContractResult, ContractRun } from "./contract/contract-runner.js";
export { formatContractReport, runContract } from "./contract/contract-runner.js";
export type {
  EppExchangeOptions,
  RequestPhaseInput,
  RequestPhaseResult,
  ResponsePhaseInput,
  ResponsePhaseResult,
} from "./epp-exchange.js";
export { EppExchange } from "./epp-exchange.js";
export type { ProcessingCall, SessionEvent } from "./ext-proc-session.js";
export { ExtProcSession } from "./ext-proc-session.js";
