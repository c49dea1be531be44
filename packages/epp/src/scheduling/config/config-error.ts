/** An invalid EndpointPickerConfig: where (source and field path) and what is wrong. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${source}: ${field}: ${reason}`);
    this.name = "ConfigError";
  }
}

/** Thrown by plugin parameter readers; the loader adds the source. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}
