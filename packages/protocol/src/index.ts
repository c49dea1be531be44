export {
  DESTINATION_HEADER,
  DESTINATION_SERVED_KEY,
  LB_METADATA_NAMESPACE,
  MAX_CHUNK_BYTES,
  PREFILLER_HEADER,
  PREFILLER_URL_HEADER,
  REQUEST_ID_HEADER,
  SUBSET_HINT_KEY,
  SUBSET_HINT_NAMESPACE,
  TEST_SELECTION_HEADER,
  WENT_INTO_RESPONSE_HEADER,
} from "./epp-protocol-keys.js";
export type { HeadersReply } from "./ext-proc-builders.js";
export {
  immediateResponse,
  requestBodyMessage,
  requestBodyResponse,
  requestHeadersMessage,
  requestHeadersResponse,
  requestTrailersMessage,
  requestTrailersResponse,
  responseBodyMessage,
  responseBodyResponse,
  responseHeadersMessage,
  responseHeadersResponse,
  responseTrailersMessage,
  responseTrailersResponse,
  streamedBodyChunk,
} from "./ext-proc-builders.js";
export type { ExtProcClient, ExtProcHandlers } from "./ext-proc-service.js";
export { EXT_PROC_METHOD_PATH, EXT_PROC_SERVICE_NAME, extProcService } from "./ext-proc-service.js";
export type * from "./ext-proc-types.js";
export { frameMessage, GrpcFramingError, GrpcMessageDecoder, MAX_MESSAGE_BYTES } from "./grpc/grpc-framing.js";
export {
  GrpcCallError,
  GrpcCode,
  grpcCodeForHttpStatus,
  grpcMessageDecoded,
  grpcMessageEncoded,
  isDeadlineExceeded,
} from "./grpc/grpc-status.js";
export {
  bytesAsBuffer,
  headerMapFrom,
  headerMapToRecord,
  headerValueText,
  isSystemHeader,
  setHeader,
} from "./headers.js";
export type { ServingStatus } from "./health-service.js";
export { HealthService } from "./health-service.js";
export { httpStatusName, httpStatusNumber } from "./http-status.js";
export {
  AUTHORIZATION_SERVICE_NAME,
  authorizationService,
  RATE_LIMIT_SERVICE_NAME,
  rateLimitService,
} from "./kuadrant-services.js";
export { LOADER_OPTIONS, loadProto, lookup, PROTO_DIR } from "./proto-loader.js";
export { fromStruct, fromValue, toStruct, toValue } from "./struct.js";
