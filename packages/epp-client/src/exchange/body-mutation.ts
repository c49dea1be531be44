// A processor's BodyMutation applied to the body it answers for (mutation_utils.cc applyBodyMutations).
import type { BodyMutation } from "@testbed/protocol";

/** The body after `mutation`: cleared, replaced, or (no mutation, or a streamed_response) unchanged. */
export function mutatedBody(mutation: BodyMutation | undefined, original: Buffer): Buffer {
  if (!mutation) return original;
  if (mutation.clear_body) return Buffer.alloc(0);
  if (mutation.body !== undefined) return Buffer.from(mutation.body);
  return original;
}
