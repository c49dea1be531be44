// Checks on `request:` responses; with `repeat`, every response must satisfy every check.
import type { Expectations } from "../model.js";
import type { ExpectationResult } from "../results.js";

export interface ResponseRecord {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Why the body ended early, when it did. */
  cut?: string;
}

export function checkResponses(expect: Expectations, responses: ResponseRecord[]): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (expect.status) {
    const wanted = expect.status;
    results.push({
      check: "status",
      expected: wanted.join(" or "),
      measured: tally(responses.map((response) => String(response.status))),
      ok: responses.every((response) => wanted.includes(response.status)),
    });
  }
  for (const text of expect.bodyContains ?? []) {
    const hits = responses.filter((response) => response.body.includes(text)).length;
    results.push({
      check: "bodyContains",
      expected: JSON.stringify(text),
      measured: responses.length === 1 ? (hits ? "present" : "absent") : `in ${hits} of ${responses.length} bodies`,
      ok: hits === responses.length,
    });
  }
  for (const text of expect.bodyNotContains ?? []) {
    const hits = responses.filter((response) => response.body.includes(text)).length;
    results.push({
      check: "bodyNotContains",
      expected: JSON.stringify(text),
      measured: responses.length === 1 ? (hits ? "present" : "absent") : `in ${hits} of ${responses.length} bodies`,
      ok: hits === 0,
    });
  }
  for (const [name, wanted] of Object.entries(expect.header ?? {})) {
    const values = responses.map((response) => response.headers[name]);
    results.push({
      check: `header ${name}`,
      expected: wanted,
      measured: tally(values.map((value) => (value === undefined ? "absent" : value))),
      ok: values.every((value) => headerMatches(value, wanted)),
    });
  }
  return results;
}

function headerMatches(value: string | undefined, wanted: string): boolean {
  if (wanted === "present") return value !== undefined;
  if (wanted === "absent") return value === undefined;
  return value === wanted;
}

/** ["200", "200", "429"] → "200 ×2, 429 ×1" (a single value prints alone). */
export function tally(values: string[]): string {
  if (values.length === 1) return values[0]!;
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].map(([value, count]) => `${value} ×${count}`).join(", ");
}
