// `testbed gateway --config` says when the config binds an address other machines can reach.
import { describe, expect, it } from "vitest";
import { exposureWarning } from "../src/commands/gateway.js";

describe("testbed gateway's exposure warning", () => {
  it("is silent for loopback addresses", () => {
    for (const url of [
      "https://127.0.0.1:8443",
      "http://127.130.18.22:15000",
      "http://[::1]:15000",
      "http://localhost:1",
    ])
      expect(exposureWarning("listener x", url)).toBeUndefined();
  });

  it("names what is exposed and where for any other address", () => {
    expect(exposureWarning("listener 0.0.0.0_443", "https://0.0.0.0:443")).toBe(
      "warning: listener 0.0.0.0_443 is bound to 0.0.0.0, reachable beyond this machine",
    );
    expect(exposureWarning("the admin interface", "http://[::]:15000")).toContain("bound to ::,");
    expect(exposureWarning("listener x", "https://10.0.0.5:8443")).toContain("bound to 10.0.0.5,");
  });
});
