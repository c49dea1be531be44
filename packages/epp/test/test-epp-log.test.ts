import { describe, expect, it } from "vitest";
import { EppLogger } from "../src/epp-log.js";

describe("the EPP's verbose lines (logr V(n))", () => {
  const logger = (verbosity: number) => {
    const lines: string[] = [];
    return {
      lines,
      log: new EppLogger(
        (line) => lines.push(line),
        () => 0,
        verbosity,
      ),
    };
  };

  it("writes a V(n) line as zap level -n while -v is at least n", () => {
    const { lines, log } = logger(3);
    log.v(3)?.info("requestcontrol", "Request handled", { endpoint: "10.0.0.1:8000" });
    expect(lines).toEqual([
      `1970-01-01T00:00:00.000Z\tLEVEL(-3)\trequestcontrol\tRequest handled\t{"endpoint": "10.0.0.1:8000"}`,
    ]);
  });

  it("builds no fields for a line -v leaves out", () => {
    const { lines, log } = logger(2);
    let built = 0;
    const fields = () => {
      built++;
      return {};
    };
    log.v(3)?.info("requestcontrol", "Request handled", fields());
    log.v(2)?.info("ext-proc", "Request failed", fields());
    expect(built).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("\tLEVEL(-2)\text-proc\tRequest failed");
  });
});
