// A processor's HeaderMutation applied the way Envoy's ext_proc applies it
// (source/extensions/filters/http/ext_proc/mutation_utils.cc applyHeaderMutations, with the checker
// of source/extensions/filters/common/mutation_rules/mutation_rules.cc).
import { bytesAsBuffer, type HeaderMutation, type HeaderValue } from "@testbed/protocol";
import { type HeaderMutationRules, mutationAllowed } from "./mutation-rules.js";

export type { HeaderMutationRules };

/** How a mutation is checked besides its rules. */
export interface MutationOptions {
  /** The filter's mutation_rules (unset: Envoy's defaults). */
  rules?: HeaderMutationRules | undefined;
  /**
   * The body goes on in a mode where Envoy removed Content-Length (STREAMED, FULL_DUPLEX_STREAMED,
   * BUFFERED_PARTIAL, or BUFFERED without headers): a set of Content-Length is skipped silently.
   */
  removeContentLength?: boolean | undefined;
}

/**
 * What a mutation did: how many changes the rules refused (rejected_header_mutations), and the
 * error that makes Envoy stop and answer the client with a local reply, if any.
 */
export interface MutationResult {
  rejected: number;
  error?: string;
}

/**
 * Applies `mutation` to `headers` (lower-case names). Envoy reads only `raw_value` (the
 * send_header_raw_value behaviour every modelled release has), only the `append` flag, false when
 * unset (append_action is ignored, envoyproxy/envoy#36982), and stops at the first change that is
 * malformed (a bad name or value, both value and raw_value set) or refused under disallow_is_error.
 * `applied`, when given, records every header set (with its resulting value) and forgets every one
 * removed: what the processor changed, for a report.
 */
export function mutateHeaders(
  headers: Record<string, string>,
  mutation: HeaderMutation | undefined,
  options: MutationOptions = {},
  applied?: Record<string, string>,
): MutationResult {
  const result: MutationResult = { rejected: 0 };
  const removes = mutation?.remove_headers ?? [];
  for (const raw of removes) {
    if (!isValidName(raw)) return fail(result, "Invalid character in remove_headers mutation.");
    const name = raw.toLowerCase();
    const check = mutationAllowed(options.rules, "remove", name);
    if (check === "fail") return fail(result, `Invalid attempt to remove ${name}`);
    if (check === "ignore") {
      result.rejected++;
      continue;
    }
    delete headers[name];
    if (applied) delete applied[name];
  }
  for (const option of mutation?.set_headers ?? []) {
    const header = option.header;
    if (!header) continue;
    if (options.removeContentLength && header.key?.toLowerCase() === "content-length") continue;
    if ((header.value ?? "") !== "" && rawLength(header) > 0)
      return fail(result, "Only one of value or raw_value in the HeaderValue message should be set.");
    const value = rawText(header);
    if (!isValidName(header.key ?? "") || !isValidValue(value))
      return fail(result, "Invalid character in set_headers mutation.");
    const name = (header.key ?? "").toLowerCase();
    const append = option.append?.value ?? false;
    const check = mutationAllowed(options.rules, append && name in headers ? "append" : "set", name);
    if (check === "fail") return fail(result, `Invalid attempt to modify ${name}`);
    if (check === "ignore") {
      result.rejected++;
      continue;
    }
    headers[name] = append && name in headers ? `${headers[name]},${value}` : value;
    if (applied) applied[name] = headers[name];
  }
  return result;
}

/**
 * mutateHeaders under Envoy's default rules, returning how many changes were refused or malformed
 * (for callers that only count, such as an immediate response's headers).
 */
export function applyHeaderMutation(
  headers: Record<string, string>,
  mutation: HeaderMutation | undefined,
  applied?: Record<string, string>,
): number {
  const result = mutateHeaders(headers, mutation, {}, applied);
  return result.rejected;
}

function fail(result: MutationResult, error: string): MutationResult {
  result.rejected++;
  result.error = error;
  return result;
}

function rawLength(header: HeaderValue): number {
  return header.raw_value?.length ?? 0;
}

function rawText(header: HeaderValue): string {
  const raw = header.raw_value;
  if (!raw || raw.length === 0) return "";
  return bytesAsBuffer(raw).toString("utf8");
}

/** HeaderUtility::headerNameIsValid: RFC 9110 token characters, a pseudo-header's leading ":" aside. */
function isValidName(name: string): boolean {
  return /^:?[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name);
}

/** HeaderUtility::headerValueIsValid: no CR, LF or NUL. */
function isValidValue(value: string): boolean {
  return !/[\r\n\0]/.test(value);
}
