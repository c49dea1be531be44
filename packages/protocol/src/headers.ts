import type { HeaderMap, HeaderValue, HeaderValueOption } from "./ext-proc-types.js";

/**
 * A decoded bytes field as a Buffer: the decoder's Buffer as it is (a view of the received message,
 * nobody writes to it), a Uint8Array copied, nothing as an empty Buffer.
 */
export function bytesAsBuffer(bytes: Buffer | Uint8Array | undefined): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  return Buffer.from(bytes ?? []);
}

/** A header's value, whichever of `value` or `raw_value` the sender filled (Envoy now sends raw_value). */
export function headerValueText(header: HeaderValue): string {
  const raw = header.raw_value;
  if (raw && raw.length > 0) return bytesAsBuffer(raw).toString("utf8");
  return header.value ?? "";
}

/** HeaderMap → lower-cased name → value (repeated headers joined with ", "). */
export function headerMapToRecord(map: HeaderMap | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const header of map?.headers ?? []) {
    const name = (header.key ?? "").toLowerCase();
    if (name === "") continue;
    const value = headerValueText(header);
    record[name] = name in record ? `${record[name]}, ${value}` : value;
  }
  return record;
}

/** A header map as Envoy builds it: every value in raw_value. */
export function headerMapFrom(headers: Record<string, string>): HeaderMap {
  const values: HeaderValue[] = [];
  for (const key in headers) values.push({ key, raw_value: Buffer.from(headers[key] as string, "utf8") });
  return { headers: values };
}

/** A header to set, overwriting any previous value (what the EPP sends). */
export function setHeader(key: string, value: string): HeaderValueOption {
  return { header: { key, raw_value: Buffer.from(value, "utf8") }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" };
}

/** Pseudo-headers (`:path`) and the hop-by-hop headers a proxy owns, which processors may not copy back. */
export function isSystemHeader(name: string): boolean {
  return name.startsWith(":") || name === "host" || name === "content-length" || name === "transfer-encoding";
}
