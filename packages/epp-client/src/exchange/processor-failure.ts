// The ways a processor stream fails, as values a filter maps to its failure_mode_allow policy.

/**
 * The stream could not be opened, broke, was closed early by the processor, or a message did not
 * come back within the message timeout (`timeout`). `grpcCode` is what Envoy names in the local
 * reply's details (`ext_proc_error_gRPC_error_<code>`).
 */
export class ProcessorFailure extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
    readonly timeout = false,
  ) {
    super(message);
  }

  /** Any error as a failure: what is not already one counts as UNKNOWN (2). */
  static of(error: unknown): ProcessorFailure {
    return error instanceof ProcessorFailure ? error : new ProcessorFailure(2, String(error));
  }
}
