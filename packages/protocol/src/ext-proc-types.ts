// envoy.service.ext_proc.v3 messages as @grpc/proto-loader presents them (see LOADER_OPTIONS):
// the shapes both the gateway side and the EPP side build and read.

export type HeaderSendMode = "DEFAULT" | "SEND" | "SKIP";
export type BodySendMode = "NONE" | "STREAMED" | "BUFFERED" | "BUFFERED_PARTIAL" | "FULL_DUPLEX_STREAMED";

export interface HeaderValue {
  key: string;
  value?: string;
  raw_value?: Buffer | Uint8Array;
}

export interface HeaderValueOption {
  header: HeaderValue;
  append?: { value: boolean };
  append_action?: "APPEND_IF_EXISTS_OR_ADD" | "ADD_IF_ABSENT" | "OVERWRITE_IF_EXISTS_OR_ADD" | "OVERWRITE_IF_EXISTS";
  keep_empty_value?: boolean;
}

export interface HeaderMap {
  headers?: HeaderValue[];
}

/** google.protobuf.Struct / Value as proto-loader decodes them (protobufjs's bundled well-known types use camelCase). */
export interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

export interface ProtoValue {
  nullValue?: "NULL_VALUE";
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
  kind?: string;
}

export interface Metadata {
  filter_metadata?: Record<string, ProtoStruct>;
}

export interface ProcessingMode {
  request_header_mode?: HeaderSendMode;
  response_header_mode?: HeaderSendMode;
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  request_trailer_mode?: HeaderSendMode;
  response_trailer_mode?: HeaderSendMode;
}

export interface HttpHeaders {
  headers?: HeaderMap;
  end_of_stream?: boolean;
}

export interface HttpBody {
  body?: Buffer | Uint8Array;
  end_of_stream?: boolean;
}

export interface HttpTrailers {
  trailers?: HeaderMap;
}

export interface ProtocolConfiguration {
  request_body_mode?: BodySendMode;
  response_body_mode?: BodySendMode;
  send_body_without_waiting_for_header_response?: boolean;
}

export type ProcessingPhase =
  | "request_headers"
  | "response_headers"
  | "request_body"
  | "response_body"
  | "request_trailers"
  | "response_trailers";

export interface ProcessingRequest {
  request_headers?: HttpHeaders;
  response_headers?: HttpHeaders;
  request_body?: HttpBody;
  response_body?: HttpBody;
  request_trailers?: HttpTrailers;
  response_trailers?: HttpTrailers;
  /** The oneof that is set (proto-loader's virtual field). */
  request?: ProcessingPhase;
  metadata_context?: Metadata;
  /** request_attributes / response_attributes, under the filter's name (field 9). */
  attributes?: Record<string, ProtoStruct>;
  observability_mode?: boolean;
  protocol_config?: ProtocolConfiguration;
}

export interface HeaderMutation {
  set_headers?: HeaderValueOption[];
  remove_headers?: string[];
}

export interface StreamedBodyResponse {
  body?: Buffer | Uint8Array;
  end_of_stream?: boolean;
}

export interface BodyMutation {
  body?: Buffer | Uint8Array;
  clear_body?: boolean;
  streamed_response?: StreamedBodyResponse;
  mutation?: "body" | "clear_body" | "streamed_response";
}

export interface CommonResponse {
  status?: "CONTINUE" | "CONTINUE_AND_REPLACE";
  header_mutation?: HeaderMutation;
  body_mutation?: BodyMutation;
  trailers?: HeaderMap;
  clear_route_cache?: boolean;
}

export interface HeadersResponse {
  response?: CommonResponse;
}

export interface BodyResponse {
  response?: CommonResponse;
}

export interface TrailersResponse {
  header_mutation?: HeaderMutation;
}

export interface ImmediateResponse {
  /** Decoded as the enum's name (e.g. "ServiceUnavailable"); a number is accepted when encoding. */
  status?: { code?: string | number };
  headers?: HeaderMutation;
  body?: Buffer | Uint8Array;
  grpc_status?: { status?: number };
  details?: string;
}

export type ResponsePhase = ProcessingPhase | "immediate_response";

export interface ProcessingResponse {
  request_headers?: HeadersResponse;
  response_headers?: HeadersResponse;
  request_body?: BodyResponse;
  response_body?: BodyResponse;
  request_trailers?: TrailersResponse;
  response_trailers?: TrailersResponse;
  immediate_response?: ImmediateResponse;
  response?: ResponsePhase;
  dynamic_metadata?: ProtoStruct;
  mode_override?: ProcessingMode;
}
