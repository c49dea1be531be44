// ext_proc request_attributes / response_attributes: the attributes Envoy evaluates and sends to the
// processor with the first message of each direction, under `attributes["envoy.filters.http.ext_proc"]`.
import { type ProtoStruct, toStruct } from "@testbed/protocol";

/** What an attribute is evaluated from. */
export interface AttributeSource {
  /** The request headers as they are when the message goes (lower-case, with pseudo-headers). */
  requestHeaders: Record<string, string>;
  responseHeaders?: Record<string, string>;
  downstream: { remoteAddress: string; localAddress: string; tls: boolean };
  routeName: string;
}

type Evaluate = (source: AttributeSource) => unknown;

const header =
  (name: string): Evaluate =>
  (source) =>
    source.requestHeaders[name];

/** The attribute names (Envoy's CEL vocabulary) the gateway can evaluate. */
const ATTRIBUTES: Record<string, Evaluate> = {
  "request.path": header(":path"),
  "request.url_path": (source) => (source.requestHeaders[":path"] ?? "").split("?")[0],
  "request.query": (source) => (source.requestHeaders[":path"] ?? "").split("?")[1] ?? "",
  "request.host": header(":authority"),
  "request.scheme": header(":scheme"),
  "request.method": header(":method"),
  "request.id": header("x-request-id"),
  "request.referer": header("referer"),
  "request.useragent": header("user-agent"),
  "request.headers": (source) => ({ ...source.requestHeaders }),
  "response.code": (source) => Number(source.responseHeaders?.[":status"] ?? 0),
  "response.headers": (source) => ({ ...(source.responseHeaders ?? {}) }),
  "source.address": (source) => source.downstream.remoteAddress,
  "destination.address": (source) => source.downstream.localAddress,
  "xds.route_name": (source) => source.routeName,
};

export function isModelledAttribute(name: string): boolean {
  return name in ATTRIBUTES;
}

/**
 * The attributes map of a ProcessingRequest for `names`, or undefined when none is asked. An
 * attribute with no value here is left out, as Envoy leaves out an expression that has none.
 */
export function evaluateAttributes(
  names: readonly string[] | undefined,
  source: AttributeSource,
): Record<string, ProtoStruct> | undefined {
  if (!names || names.length === 0) return undefined;
  const values: Record<string, unknown> = {};
  for (const name of names) {
    const value = ATTRIBUTES[name]?.(source);
    if (value !== undefined) values[name] = value;
  }
  return { "envoy.filters.http.ext_proc": toStruct(values) };
}
