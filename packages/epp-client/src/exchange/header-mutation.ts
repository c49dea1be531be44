// Envoy's default header mutation rules, applied to a processor's HeaderMutation
// (source/extensions/filters/http/ext_proc/mutation_utils.cc with the default mutation checker).
import { type HeaderMutation, headerValueText } from "@testbed/protocol";

/**
 * Applies a processor's header mutation the way Envoy's default mutation rules allow: `host`,
 * `:authority`, `:scheme`, `:method` and `x-envoy-*` headers cannot be changed (the attempt is
 * counted as rejected_header_mutations), and neither can a name or value no HTTP codec could send
 * (a value with CR, LF or NUL; a name outside the token characters). Returns how many changes were
 * refused. `applied`, when given, records every header the mutation set (with its resulting value)
 * and forgets every one it removed: what the processor changed, for a report.
 */
export function applyHeaderMutation(
  headers: Record<string, string>,
  mutation: HeaderMutation | undefined,
  applied?: Record<string, string>,
): number {
  let rejected = 0;
  for (const option of mutation?.set_headers ?? []) {
    if (!option.header?.key) continue;
    const name = option.header.key.toLowerCase();
    if (isProtected(name)) {
      rejected++;
      continue;
    }
    const value = headerValueText(option.header);
    if (!isSendable(name, value)) {
      rejected++;
      continue;
    }
    // Envoy's ext_proc reads only the `append` flag, false when unset, and ignores append_action
    // (envoyproxy/envoy#36982; mutation_utils.cc: PROTOBUF_GET_WRAPPED_OR_DEFAULT(sh, append, false)).
    const append = option.append?.value ?? false;
    headers[name] = append && name in headers ? `${headers[name]},${value}` : value;
    if (applied) applied[name] = headers[name];
  }
  for (const raw of mutation?.remove_headers ?? []) {
    const name = raw.toLowerCase();
    if (isProtected(name) || name.startsWith(":")) {
      rejected++;
      continue;
    }
    delete headers[name];
    if (applied) delete applied[name];
  }
  return rejected;
}

function isProtected(name: string): boolean {
  return (
    name === "host" || name === ":authority" || name === ":scheme" || name === ":method" || name.startsWith("x-envoy")
  );
}

/** RFC 9110 token characters for names (a pseudo-header's leading ":" aside); no CR, LF or NUL in values. */
function isSendable(name: string, value: string): boolean {
  return /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name) && !/[\r\n\0]/.test(value);
}
