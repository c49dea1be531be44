// Checks on a command's exit code and stdout (`oc`, `exec`, `apply`, `patch`, `delete`).
import type { Expectations } from "../model.js";
import type { ExpectationResult } from "../results.js";

export function checkOutput(expect: Expectations, code: number, stdout: string): ExpectationResult[] {
  const results: ExpectationResult[] = [];
  if (expect.exitCode !== undefined) {
    results.push({
      check: "exitCode",
      expected: String(expect.exitCode),
      measured: String(code),
      ok: code === expect.exitCode,
    });
  }
  for (const text of expect.contains ?? []) {
    const ok = stdout.includes(text);
    results.push({ check: "contains", expected: JSON.stringify(text), measured: ok ? "present" : "absent", ok });
  }
  for (const text of expect.notContains ?? []) {
    const ok = !stdout.includes(text);
    results.push({ check: "notContains", expected: JSON.stringify(text), measured: ok ? "absent" : "present", ok });
  }
  for (const pattern of expect.matches ?? []) {
    const match = pattern.exec(stdout);
    results.push({
      check: "matches",
      expected: `/${pattern.source}/`,
      measured: match ? JSON.stringify(match[0]) : "no match",
      ok: match !== null,
    });
  }
  for (const pattern of expect.notMatches ?? []) {
    const match = pattern.exec(stdout);
    results.push({
      check: "notMatches",
      expected: `/${pattern.source}/`,
      measured: match ? JSON.stringify(match[0]) : "no match",
      ok: match === null,
    });
  }
  return results;
}
