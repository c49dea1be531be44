// `{equals}` / `{min, max}` bounds: the check and how to print it.
import type { Range } from "../model.js";

export function inRange(value: number, range: Range): boolean {
  if (range.equals !== undefined && value !== range.equals) return false;
  if (range.min !== undefined && value < range.min) return false;
  if (range.max !== undefined && value > range.max) return false;
  return true;
}

export function rangeText(range: Range, format: (value: number) => string = String): string {
  if (range.equals !== undefined) return `= ${format(range.equals)}`;
  if (range.min !== undefined && range.max !== undefined) return `${format(range.min)} … ${format(range.max)}`;
  if (range.min !== undefined) return `≥ ${format(range.min)}`;
  return `≤ ${format(range.max ?? 0)}`;
}

/** Shares and rates print as percentages with one decimal. */
export function percent(value: number): string {
  return `${Number((value * 100).toFixed(1))}%`;
}
