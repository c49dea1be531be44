// The header options the real EPP writes: the value in raw_value, and neither `append` nor
// `append_action` set (its generateHeaders leaves both unset).
import type { HeaderValueOption } from "@testbed/protocol";

export function eppHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value, "utf8") } };
}

/** Headers the EPP reads or owns and so never copies back (GIE's request.IsSystemOwnedHeader). */
export function isSystemOwnedHeader(name: string, controlHeaders: ReadonlySet<string>): boolean {
  return controlHeaders.has(name) || OWNED.has(name);
}

const OWNED = new Set([
  "content-length",
  "x-gateway-destination-endpoint",
  "x-gateway-destination-endpoint-served",
  "x-gateway-destination-endpoint-subset",
  "x-llm-d-request-dropped-reason",
]);
