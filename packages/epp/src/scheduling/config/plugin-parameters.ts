import { FieldError } from "./config-error.js";

/**
 * A plugin's `parameters` block with typed readers. Each reader names the offending field
 * (e.g. `plugins[3].parameters.threshold`) when a value has the wrong type or range; unknown keys
 * are refused, as a typo would otherwise silently keep a default.
 */
export class PluginParameters {
  private readonly read = new Set<string>();

  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly path: string,
  ) {}

  number(key: string, fallback: number, range: { min?: number; max?: number; integer?: boolean } = {}): number {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "number" || Number.isNaN(value)) this.fail(key, `must be a number, got ${describe(value)}`);
    if (range.integer && !Number.isInteger(value)) this.fail(key, `must be an integer, got ${value}`);
    if (range.min !== undefined && value < range.min) this.fail(key, `must be at least ${range.min}, got ${value}`);
    if (range.max !== undefined && value > range.max) this.fail(key, `must be at most ${range.max}, got ${value}`);
    return value;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") this.fail(key, `must be true or false, got ${describe(value)}`);
    return value;
  }

  string(key: string, fallback: string): string {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "string") this.fail(key, `must be a string, got ${describe(value)}`);
    return value;
  }

  optionalString(key: string): string | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== "string") this.fail(key, `must be a string, got ${describe(value)}`);
    return value;
  }

  stringList(key: string, fallback: string[]): string[] {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
      this.fail(key, `must be a list of strings, got ${describe(value)}`);
    }
    return value;
  }

  object(key: string): Record<string, unknown> | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value))
      this.fail(key, `must be a map, got ${describe(value)}`);
    return value as Record<string, unknown>;
  }

  list(key: string): unknown[] | undefined {
    const value = this.take(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(key, `must be a list, got ${describe(value)}`);
    return value;
  }

  /** A parameter the testbed accepts without modelling it: read, so done() does not refuse it. */
  accept(key: string): unknown {
    return this.take(key);
  }

  /** Refuse keys no reader asked for. Call after reading every parameter. */
  done(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.read.has(key)) throw new FieldError(`${this.path}.${key}`, "unknown parameter");
    }
  }

  private take(key: string): unknown {
    this.read.add(key);
    return this.raw[key] ?? undefined;
  }

  private fail(key: string, reason: string): never {
    throw new FieldError(`${this.path}.${key}`, reason);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  return `${typeof value} ${JSON.stringify(value)}`;
}
