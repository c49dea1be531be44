// oc's error messages: `Error from server (NotFound): …`, `The Service "x" is invalid: …`, `error: …`.
import { JsonPathError, ManifestError } from "@testbed/apimachinery";
import { ServerUnreachableError, StatusError } from "./api-client.js";
import { UsageError } from "./args.js";

export function formatError(error: unknown): string {
  if (error instanceof StatusError) return formatStatus(error);
  if (error instanceof ServerUnreachableError) return error.message;
  if (error instanceof ManifestError || error instanceof UsageError) return `error: ${error.message}`;
  if (error instanceof JsonPathError) return `error: error parsing jsonpath: ${error.message}`;
  if (error instanceof OcError) return `error: ${error.message}`;
  return `error: ${(error as Error).message ?? String(error)}`;
}

function formatStatus(error: StatusError): string {
  const { status } = error;
  if (status.reason !== "Invalid") return `Error from server (${error.reason}): ${error.message}`;
  const details = status.details;
  const subject =
    details && (details.kind || details.name)
      ? `The ${details.kind ?? ""} "${details.name ?? ""}" is invalid`
      : "The request is invalid";
  const causes = (details?.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ""}` : (c.message ?? "")));
  if (causes.length === 0) return `${subject}: ${error.message}`;
  if (causes.length === 1) return `${subject}: ${causes[0]}`;
  return `${subject}: \n${causes.map((c) => `* ${c}`).join("\n")}`;
}

/** A client-side refusal (bad arguments, unknown resource type). */
export class OcError extends Error {}
