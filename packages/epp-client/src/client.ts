// The gateway-side ext_proc client alone, without the contract suite (which starts vllm-sim pods):
// what a gateway imports, so it does not load the model simulator and its tokenizer.
export type { EppConnectionOptions } from "./epp-client.js";
export { EppClient } from "./epp-client.js";
export type { RequestPhaseInput, RequestPhaseResult, ResponsePhaseResult } from "./exchange.js";
export { runRequestPhase, runResponsePhase } from "./exchange.js";
export type { ProcessingCall, SessionEvent } from "./ext-proc-session.js";
export { ExtProcSession } from "./ext-proc-session.js";
