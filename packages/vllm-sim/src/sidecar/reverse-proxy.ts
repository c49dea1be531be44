// The routing sidecar's pass-through to its decoder, as Go's httputil.ReverseProxy does it (llm-d's
// pkg/sidecar/proxy/proxy.go mounts NewSingleHostReverseProxy(decoderURL) on "/"): the request goes
// upstream with its headers minus the hop-by-hop ones, and the answer's status, headers (hop-by-hop
// ones removed, Content-Length kept) and body are written back as they arrive, without buffering or
// re-reading the body. It runs on undici's dispatch API straight into Node's response: the EPP
// scrapes every decode pod's /metrics through it 20 times a second, and a body stream piped into
// fastify's reply cost more than the bytes it carried.
import { HOP_BY_HOP_HEADERS } from "@testbed/common";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Dispatcher } from "undici";

/** How much of the answer may wait in the client's response before the decoder's is paused (undici's default highWaterMark). */
const PAUSE_AT_BYTES = 64 * 1024;

/** Request headers the sidecar does not copy: connection-level ones, and host/content-length undici sets. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP_HEADERS, "host", "content-length"]);

/**
 * Forward `request` (with `body`, if any) to `target`, e.g. https://127.0.0.1:8001. Resolves once
 * the answer's headers are written (the reply is then the proxy's, not fastify's); rejects when the
 * decoder could not be reached or failed before answering (nothing written yet: the caller answers).
 */
export function reverseProxy(
  dispatcher: Dispatcher,
  target: string,
  request: FastifyRequest,
  reply: FastifyReply,
  body: string | undefined,
): Promise<void> {
  return new Promise((answered, failed) => {
    dispatcher.dispatch(
      {
        origin: target,
        path: request.url,
        method: request.method as Dispatcher.HttpMethod,
        headers: forwardedHeaders(request),
        body: body === undefined || body === "" ? null : body,
      },
      new ReverseProxyHandler(reply, answered, failed),
    );
  });
}

/** The request's headers the sidecar copies upstream (decode and prefill legs), repeated ones joined as Node joins them. */
export function forwardedHeaders(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in request.headers) {
    const value = request.headers[name];
    if (value === undefined || NOT_FORWARDED.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** The decoder's answer, written to the client's response as undici delivers it. */
class ReverseProxyHandler implements Dispatcher.DispatchHandler {
  private started = false;

  constructor(
    private readonly reply: FastifyReply,
    private readonly answered: () => void,
    private readonly failed: (error: Error) => void,
  ) {}

  /** Present so undici drives this handler with its current (controller-based) API. */
  onRequestStart(): void {}

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return; // 1xx: the final answer follows
    const response = this.reply.raw;
    this.reply.hijack();
    this.started = true;
    for (const name of HOP_BY_HOP_HEADERS) delete headers[name];
    response.writeHead(statusCode, headers);
    // The client went away before the end: stop reading the decoder's answer (Go cancels the request's context).
    response.once("close", () => {
      if (!response.writableFinished) controller.abort(new Error("client closed the connection"));
    });
    this.answered();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const response = this.reply.raw;
    // Reading pauses only past what undici's own body stream buffers (64 KiB): a /metrics body then
    // never pauses, and undici asserts when a decoder closes its socket under a paused parser.
    if (response.write(chunk) || response.writableLength < PAUSE_AT_BYTES) return;
    controller.pause();
    response.once("drain", () => controller.resume());
  }

  onResponseEnd(): void {
    this.reply.raw.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (!this.started) this.failed(error);
    else this.reply.raw.destroy(error);
  }
}
