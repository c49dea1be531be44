// The ways a processor stream fails, as values a filter maps to its failure_mode_allow policy.

/**
 * How the stream left the exchange, as Envoy's ext_proc callbacks tell them apart:
 * - "error": the stream could not start or broke with a gRPC status (onGrpcError);
 * - "closed": the processor ended the stream with OK before the exchange was over (onGrpcClose —
 *   Envoy goes on without the processor, whatever failure_mode_allow says);
 * - "timeout": an answer did not come within the message timeout (onMessageTimeout);
 * - "spurious": an answer the filter was not waiting for (FailedPrecondition in onReceiveMessage).
 */
export type FailureKind = "error" | "closed" | "timeout" | "spurious";

/**
 * A processor failure. `grpcCode` and `details` are what Envoy names in the local reply's details
 * (`ext_proc_error_gRPC_error_<code>{<details>}`).
 */
export class ProcessorFailure extends Error {
  kind: FailureKind;
  /** The gRPC status message alone (what Envoy puts between the braces of the details). */
  readonly details: string;

  constructor(
    readonly grpcCode: number,
    details: string,
    timeout = false,
    remote = false,
  ) {
    super(remote && grpcCode !== 0 ? `ext_proc stream failed: gRPC ${grpcCode} ${details}` : details);
    this.details = details;
    this.kind = timeout ? "timeout" : remote && grpcCode === 0 ? "closed" : "error";
  }

  get timeout(): boolean {
    return this.kind === "timeout";
  }

  /** An answer out of order; `message` is the status message Envoy's processor state gives. */
  static spurious(message: string): ProcessorFailure {
    const failure = new ProcessorFailure(9, message);
    failure.kind = "spurious";
    return failure;
  }

  /** Any error as a failure: what is not already one counts as UNKNOWN (2). */
  static of(error: unknown): ProcessorFailure {
    return error instanceof ProcessorFailure ? error : new ProcessorFailure(2, String(error));
  }
}
