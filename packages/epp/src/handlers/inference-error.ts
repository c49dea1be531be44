// The EPP's errors, answered to Envoy as an ImmediateResponse with GIE's body
// `inference error: <Code> - <message>` and the code's HTTP status.
import { immediateResponse, type ProcessingResponse } from "@testbed/protocol";

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

export class InferenceError {
  constructor(
    readonly code: InferenceErrorCode,
    readonly message: string,
  ) {}

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  toResponse(): ProcessingResponse {
    return immediateResponse(this.httpStatus, `inference error: ${this.code} - ${this.message}`);
  }
}

export const noModel = () => new InferenceError("BadRequest", "model not found in request body");
export const badJson = (reason: string) =>
  new InferenceError("BadRequest", `error unmarshaling request body: ${reason}`);
export const noCandidates = () =>
  new InferenceError("ServiceUnavailable", "failed to find endpoint candidates for serving the request");
export const noTarget = () =>
  new InferenceError("ResourceExhausted", "failed to find target endpoint for serving the request");
