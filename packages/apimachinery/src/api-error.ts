// Errors in the Kubernetes API's own shape: a `Status` object with code, reason and message, so
// `testbed oc` can print them the way oc does ("Error from server (NotFound): …").

/** The `reason` values the testbed's API server puts in a Status (Kubernetes' StatusReason). */
export type StatusReason =
  | "NotFound"
  | "AlreadyExists"
  | "Conflict"
  | "Invalid"
  | "BadRequest"
  | "MethodNotAllowed"
  | "UnsupportedMediaType"
  | "NotAcceptable"
  | "Expired"
  | "RequestEntityTooLarge"
  | "InternalError"
  | "Unauthorized";

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  BadRequest: 400,
  MethodNotAllowed: 405,
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
  Expired: 410,
  RequestEntityTooLarge: 413,
  InternalError: 500,
  Unauthorized: 401,
};

export interface StatusCause {
  field: string;
  message: string;
  reason?: string;
}

export class ApiError extends Error {
  readonly code: number;

  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details: { name?: string; kind?: string; group?: string; causes?: StatusCause[] } = {},
  ) {
    super(message);
    this.code = CODES[reason];
  }

  /** The body the API server answers with. */
  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      details: Object.keys(this.details).length > 0 ? this.details : undefined,
      code: this.code,
    };
  }
}

export function notFound(resource: string, name: string): ApiError {
  return new ApiError("NotFound", `${resource} "${name}" not found`, { name, kind: resource });
}

export function alreadyExists(resource: string, name: string): ApiError {
  return new ApiError("AlreadyExists", `${resource} "${name}" already exists`, { name, kind: resource });
}

/** One invalid manifest: names the kind, the object, the field and why (as the API server's 422). */
export function invalid(kind: string, name: string, causes: StatusCause[]): ApiError {
  const reasons = causes.map((c) => `${c.field}: ${c.message}`).join(", ");
  return new ApiError("Invalid", `${kind} "${name}" is invalid: ${reasons}`, { name, kind, causes });
}
