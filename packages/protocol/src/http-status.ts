// envoy.type.v3.StatusCode names ↔ HTTP status numbers (the enum decodes to names).

const NAMES: Record<number, string> = {
  100: "Continue",
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "NoContent",
  301: "MovedPermanently",
  302: "Found",
  304: "NotModified",
  400: "BadRequest",
  401: "Unauthorized",
  402: "PaymentRequired",
  403: "Forbidden",
  404: "NotFound",
  405: "MethodNotAllowed",
  406: "NotAcceptable",
  408: "RequestTimeout",
  409: "Conflict",
  410: "Gone",
  411: "LengthRequired",
  412: "PreconditionFailed",
  413: "PayloadTooLarge",
  414: "URITooLong",
  415: "UnsupportedMediaType",
  429: "TooManyRequests",
  500: "InternalServerError",
  501: "NotImplemented",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};
const NUMBERS = new Map(Object.entries(NAMES).map(([code, name]) => [name, Number(code)]));

/** The HTTP status of a decoded envoy.type.v3.HttpStatus code (a name, or a number for codes the enum lacks). */
export function httpStatusNumber(code: string | number | undefined): number {
  if (typeof code === "number") return code;
  if (code === undefined) return 0;
  return NUMBERS.get(code) ?? Number(code);
}

export function httpStatusName(status: number): string | number {
  return NAMES[status] ?? status;
}
