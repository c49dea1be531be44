// A manifest that cannot be applied: names the file, the document in it, the field and the reason,
// so a user can find the line to fix (`error validating "08-envoyfilter.yaml" (document 1): …`).
import type { StatusCause } from "../api-error.js";

export interface ManifestSource {
  /** The file path, or `-` for stdin. */
  file: string;
  /** 1-based position of the YAML document in the file. */
  document: number;
  /** Set when the object is one of a `kind: List`'s items. */
  item?: number;
}

export class ManifestError extends Error {
  constructor(
    readonly source: ManifestSource,
    readonly reason: string,
    readonly causes: StatusCause[] = [],
  ) {
    super(`${describeSource(source)}: ${reason}`);
    this.name = "ManifestError";
  }

  /** The first offending field path, e.g. `spec.configPatches[0].applyTo`. */
  get field(): string | undefined {
    return this.causes[0]?.field;
  }
}

export function describeSource(source: ManifestSource): string {
  const item = source.item === undefined ? "" : `, items[${source.item}]`;
  return `error validating "${source.file}" (document ${source.document}${item})`;
}
