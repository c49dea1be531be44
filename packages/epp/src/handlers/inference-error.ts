// The EPP's errors, answered to Envoy as an ImmediateResponse whose body is
// `<prefix>: <Code> - <message>` (prefix "inference error", "inference gateway" before GIE v1.3)
// with the code's HTTP status; llm-d-router adds `x-llm-d-request-dropped-reason` on rejections.
import { immediateResponse, type ProcessingResponse } from "@testbed/protocol";
import type { EmulatedVersion } from "../emulation/emulated-version.js";
import { eppHeader } from "./epp-headers.js";

/** GIE's error codes, each answered with its HTTP status. */
export type InferenceErrorCode =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "ResourceExhausted"
  | "Internal"
  | "ServiceUnavailable";

const HTTP_STATUS: Record<InferenceErrorCode, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  ResourceExhausted: 429,
  Internal: 500,
  ServiceUnavailable: 503,
};

/** llm-d-router's errcommon.RequestDroppedReasonHeaderKey. */
export const DROPPED_REASON_HEADER = "x-llm-d-request-dropped-reason";

export class InferenceError {
  constructor(
    readonly code: InferenceErrorCode,
    readonly message: string,
    /** The value of the dropped-reason header, for versions that set it. */
    readonly droppedReason?: string,
  ) {}

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toResponse(version: EmulatedVersion): ProcessingResponse {
    const response = immediateResponse(this.httpStatus, `${version.errorPrefix}: ${this.code} - ${this.message}`);
    if (this.droppedReason && version.droppedReasonHeader && response.immediate_response) {
      response.immediate_response.headers = { set_headers: [eppHeader(DROPPED_REASON_HEADER, this.droppedReason)] };
    }
    return response;
  }
}

export const noModel = () => new InferenceError("BadRequest", "model not found in request body");
/** logutil.DEBUG: the verbosity from which GIE v1.2 quotes the unreadable body in its answer. */
const DEBUG_VERBOSITY = 4;

export const badJson = (version: EmulatedVersion, reason: string, body: Buffer, verbosity: number) => {
  const template =
    verbosity >= DEBUG_VERBOSITY && version.badJsonDebugMessage ? version.badJsonDebugMessage : version.badJsonMessage;
  return new InferenceError("BadRequest", template.replace("%s", reason).replace("%b", body.toString("utf8")));
};
export const noPods = () => new InferenceError("Internal", "no pods available in datastore");
export const noCandidates = (version: EmulatedVersion) =>
  new InferenceError("ServiceUnavailable", version.noCandidatesMessage, "rejected-no-endpoints");
export const noTarget = () =>
  new InferenceError("ResourceExhausted", "failed to find target endpoint for serving the request");
export const bodyTooLarge = (limit: number) =>
  new InferenceError("ResourceExhausted", `request body exceeds the EPP's buffer limit of ${limit} bytes`);
