// The request rewrites of llm-d's `nixlv2` connector. The prefill pod is asked for exactly one
// token, without streaming, and told to keep the KV for a remote decoder; the decode pod gets the
// client's original request plus the prefill pod's `kv_transfer_params`.

/** The prefill pod's request: one token, not streamed, its KV kept for a remote decoder. */
export function buildPrefillBody(original: Record<string, unknown>): Record<string, unknown> {
  const prefill: Record<string, unknown> = {
    ...original,
    kv_transfer_params: {
      do_remote_decode: true,
      do_remote_prefill: false,
      remote_engine_id: null,
      remote_block_ids: null,
      remote_host: null,
      remote_port: null,
    },
    stream: false,
    max_tokens: 1,
    max_completion_tokens: 1,
  };
  delete prefill.stream_options;
  return prefill;
}

export function buildDecodeBody(original: Record<string, unknown>, kvTransferParams: unknown): Record<string, unknown> {
  return kvTransferParams === undefined ? { ...original } : { ...original, kv_transfer_params: kvTransferParams };
}
