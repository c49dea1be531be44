// How a body reaches the processor in pieces: the request body cut as Envoy's HTTP/1.1 codec reads
// it, and the response body's chunks marked with the one that ends the stream.

/** Envoy reads an HTTP/1.1 body in pieces of up to 64 KiB; each is one message in the streamed modes. */
export const CHUNK_BYTES = 65_536;

export function splitBody(body: Buffer, chunkBytes = CHUNK_BYTES): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += chunkBytes)
    chunks.push(body.subarray(offset, offset + chunkBytes));
  return chunks;
}

/**
 * Mark the chunk that ends the body, as Envoy's HTTP/1.1 codec does: with a Content-Length the chunk
 * that completes it carries end_of_stream; otherwise (chunked) an empty chunk follows at the end.
 */
export async function* withEndOfStream(
  chunks: AsyncIterable<Buffer>,
  contentLength: number | undefined,
): AsyncIterable<{ chunk: Buffer; last: boolean }> {
  // Never leave the loop early: that would destroy the upstream response and its keep-alive socket.
  let received = 0;
  let ended = false;
  for await (const chunk of chunks) {
    received += chunk.length;
    const last = !ended && contentLength !== undefined && received >= contentLength;
    if (last) ended = true;
    yield { chunk, last };
  }
  if (!ended) yield { chunk: Buffer.alloc(0), last: true };
}
