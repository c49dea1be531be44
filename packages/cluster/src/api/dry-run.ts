// `?dryRun=All`: the request runs through validation, defaulting and admission as usual, and the
// answer is what would have been stored, but nothing is: the write goes to a fork of the store.
import { ApiError } from "@testbed/apimachinery";

/** Whether the request is a dry run; any value but `All` is refused, as the real server does. */
export function isDryRun(value: string | string[] | undefined): boolean {
  if (value === undefined || value === "") return false;
  const values = Array.isArray(value) ? value : [value];
  for (const entry of values) {
    if (entry !== "All") {
      throw new ApiError("BadRequest", `Invalid dryRun value: ${JSON.stringify(entry)}: supported values: "All"`);
    }
  }
  return true;
}

/** kubectl sends a DELETE's options as a DeleteOptions body: `{"kind":"DeleteOptions","dryRun":["All"]}`. */
export function deleteOptionsDryRun(method: string, body: string | undefined): boolean {
  if (method !== "DELETE" || body === undefined || body.trim() === "") return false;
  let options: { dryRun?: unknown };
  try {
    options = JSON.parse(body);
  } catch (error) {
    throw new ApiError(
      "BadRequest",
      `the object provided is unrecognized: json parse error: ${(error as Error).message}`,
    );
  }
  const dryRun = options?.dryRun;
  if (dryRun === undefined || dryRun === null) return false;
  if (!Array.isArray(dryRun) || dryRun.some((v) => typeof v !== "string")) {
    throw new ApiError("BadRequest", "DeleteOptions.dryRun must be a list of strings");
  }
  return isDryRun(dryRun as string[]);
}
