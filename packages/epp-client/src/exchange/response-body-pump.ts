// A ResponseBodyPump: the upstream response body fed into a full-duplex ext_proc stream as it arrives.

/**
 * The upstream response body on its way into a full-duplex ext_proc stream: every chunk is sent
 * to the processor as it arrives, from the moment the response headers went out — Envoy does not
 * wait for the headers' answer before streaming the body ("the client will send body and trailers
 * to the server as they arrive"). If the processor fails and failure is allowed, the chunks that
 * follow go to the client untouched; ones that arrive before the client side is ready are held.
 * After a local reply the body is dropped (the router resets the upstream).
 */
export class ResponseBodyPump {
  done = false;
  /** The upstream's error (a broken body), if any. */
  error: unknown;
  readonly finished: Promise<void>;
  private sink: ((chunk: Buffer) => void) | undefined;
  private readonly held: Buffer[] = [];

  /** `forward` returns false once the processor is out of the exchange: the chunk is passed through instead. */
  constructor(
    chunks: AsyncIterable<{ chunk: Buffer; last: boolean }>,
    forward: (chunk: Buffer, last: boolean) => boolean,
    onUpstreamError: () => void,
  ) {
    this.finished = (async () => {
      for await (const { chunk, last } of chunks) if (!forward(chunk, last)) this.pass(chunk);
    })().then(
      () => {
        this.done = true;
      },
      (error: unknown) => {
        this.error = error;
        this.done = true;
        onUpstreamError();
      },
    );
  }

  /** From now on chunks that are not forwarded go to `write` (held ones first). */
  passThrough(write: (chunk: Buffer) => void): void {
    this.sink = write;
    for (const chunk of this.held.splice(0)) write(chunk);
  }

  /** The client got a local reply: drop what is held and whatever still comes. */
  discard(): void {
    this.passThrough(() => {});
  }

  /** Bytes waiting for passThrough(). */
  get heldBytes(): number {
    return this.held.reduce((sum, chunk) => sum + chunk.length, 0);
  }

  private pass(chunk: Buffer): void {
    if (this.sink) this.sink(chunk);
    else if (chunk.length > 0) this.held.push(chunk);
  }
}
