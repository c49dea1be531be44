// Every package exports its sources under the "development" condition and its compiled dist/ otherwise.
// The suite must exercise the sources: were @testbed/* to resolve to dist/, edits would go untested.
import { describe, expect, it } from "vitest";
import { KINDS as kindsFromSource } from "../packages/apimachinery/src/kinds.js";

describe("the test suite", () => {
  it("imports the workspace packages from their sources, not from dist/", async () => {
    const { KINDS } = await import("@testbed/apimachinery");
    expect(KINDS).toBe(kindsFromSource);
  });
});
