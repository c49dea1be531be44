// The real kubectl and helm the suite uses as judges are present and are the versions we pin.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { realClientMissing, realClientPath } from "./real-clients.js";

describe.skipIf(realClientMissing("kubectl"))("real kubectl", () => {
  it("is v1.33", () => {
    const out = execFileSync(realClientPath("kubectl"), ["version", "--client", "-o", "json"], { encoding: "utf8" });
    expect(JSON.parse(out).clientVersion.gitVersion).toMatch(/^v1\.33\./);
  });
});

describe.skipIf(realClientMissing("helm"))("real helm", () => {
  it("is v4", () => {
    const out = execFileSync(realClientPath("helm"), ["version", "--short"], { encoding: "utf8" });
    expect(out).toMatch(/^v4\./);
  });
});
