import { describe, expect, it } from "vitest";
import { emulatedVersion } from "../src/emulation/emulated-version.js";
import { responseBodyBack } from "../src/handlers/response-body.js";

describe("a buffered response body on its way back", () => {
  const models = { client: "granite", target: "granite-v2" };
  const v15 = emulatedVersion("gie-v1.5");

  it("gets the client's model name back as json.Marshal writes the object (keys sorted)", () => {
    const body = Buffer.from(`{"object":"chat.completion","model":"granite-v2","id":"c1"}`);
    expect(responseBodyBack(v15, body, models).toString()).toBe(
      `{"id":"c1","model":"granite","object":"chat.completion"}`,
    );
  });

  it("goes back byte for byte when it is not JSON, not an object, or names another model", () => {
    for (const text of [
      `{"model":"granite-v2",}`,
      `[{"model":"granite-v2"}]`,
      `"granite-v2"`,
      `{ "model": "other",  "id": "c1" }`,
      `${"[".repeat(10_001)}${"]".repeat(10_001)}`,
    ]) {
      const body = Buffer.from(text);
      expect(responseBodyBack(v15, body, models)).toBe(body);
    }
  });

  it("goes back byte for byte from a version that does not rewrite the response", () => {
    const body = Buffer.from(`{"model":"granite-v2"}`);
    expect(responseBodyBack(emulatedVersion("gie-v1.2"), body, models)).toBe(body);
  });
});
