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
