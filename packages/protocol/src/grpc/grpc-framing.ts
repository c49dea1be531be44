// gRPC's length-prefixed messages on an HTTP/2 stream: one byte "compressed" flag, four bytes of
// big-endian length, then the serialized message. Envoy's gRPC client never compresses, and a
// compressed message without an agreed grpc-encoding is a protocol error.

const PREFIX_BYTES = 5;
/** grpc-js's default receive limit; a larger message is RESOURCE_EXHAUSTED rather than buffered. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, PREFIX_BYTES);
  return frame;
}

export class GrpcFramingError extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reassembles messages from DATA frames, which may split or join them anywhere. */
export class GrpcMessageDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** The complete messages this chunk finishes; throws GrpcFramingError on a malformed stream. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: Buffer[] = [];
    while (this.pending.length >= PREFIX_BYTES) {
      if (this.pending[0] !== 0) throw new GrpcFramingError(13, "compressed message without grpc-encoding");
      const length = this.pending.readUInt32BE(1);
      if (length > MAX_MESSAGE_BYTES) {
        throw new GrpcFramingError(8, `received message larger than max (${length} vs. ${MAX_MESSAGE_BYTES})`);
      }
      if (this.pending.length < PREFIX_BYTES + length) break;
      messages.push(this.pending.subarray(PREFIX_BYTES, PREFIX_BYTES + length));
      this.pending = this.pending.subarray(PREFIX_BYTES + length);
    }
    return messages;
  }

  /** Bytes of a message that never completed (the stream ended mid-message). */
  get leftover(): number {
    return this.pending.length;
  }
}
