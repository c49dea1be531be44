// The gateway-side ext_proc client alone, without the contract suite (which starts vllm-sim pods):
// what a gateway imports, so it does not load the model simulator and its tokenizer. The exchange
// here is the ONE client-side ext_proc exchange: the gateway's filter and the contract suite both
// drive it.
export type { EppConnectionOptions } from "./epp-client.js";
export { EppClient } from "./epp-client.js";
export type {
  EppExchangeOptions,
  RequestPhaseInput,
  RequestPhaseResult,
  ResponsePhaseInput,
  ResponsePhaseResult,
} from "./epp-exchange.js";
export { EppExchange } from "./epp-exchange.js";
export { CHUNK_BYTES, splitBody, withEndOfStream } from "./exchange/body-chunks.js";
export { mutatedBody } from "./exchange/body-mutation.js";
export type { RequestBodyState, ResponseBodyState } from "./exchange/body-state.js";
export { requestBodyState, responseBodyState } from "./exchange/body-state.js";
export type { ExchangeSettings, RouteCacheAction } from "./exchange/exchange-settings.js";
export { DEFAULT_BUFFER_LIMIT_BYTES } from "./exchange/exchange-settings.js";
export type { MutationOptions, MutationResult } from "./exchange/header-mutation.js";
export { applyHeaderMutation, mutateHeaders } from "./exchange/header-mutation.js";
export type { ExchangeOutcome, ExchangeReply } from "./exchange/immediate-response.js";
export { errorReply, immediateReply, localReplyDetails } from "./exchange/immediate-response.js";
export type { HeaderMutationRules } from "./exchange/mutation-rules.js";
export type { FailureKind } from "./exchange/processor-failure.js";
export { ProcessorFailure } from "./exchange/processor-failure.js";
export type {
  ExchangeCounter,
  ProcessorConnection,
  ProcessorStreamOptions,
  ProcessorStreamState,
} from "./exchange/processor-stream.js";
export { ProcessorStream } from "./exchange/processor-stream.js";
export type { ExchangeRequest } from "./exchange/request-exchange.js";
export { RequestExchange } from "./exchange/request-exchange.js";
export { ResponseBodyPump } from "./exchange/response-body-pump.js";
export type { BodySource } from "./exchange/response-exchange.js";
export { ResponseExchange } from "./exchange/response-exchange.js";
export type { ProcessingCall, SessionEvent } from "./ext-proc-session.js";
export { ExtProcSession } from "./ext-proc-session.js";
