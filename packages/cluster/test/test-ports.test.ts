import { afterEach, describe, expect, it } from "vitest";
import { addressFor, servingPort, setPrivilegedPorts } from "../src/network/ports.js";

describe("ports on a pod's loopback address", () => {
  afterEach(() => setPrivilegedPorts(true));

  it("keeps real ports when the process may bind below 1024", () => {
    setPrivilegedPorts(true);
    expect(servingPort(443)).toBe(443);
    expect(addressFor("127.128.18.21", 443)).toBe("127.128.18.21");
  });

  it("shifts privileged ports by 8000 for an ordinary user, and the address carries the port", () => {
    setPrivilegedPorts(false);
    expect(servingPort(443)).toBe(8443);
    expect(servingPort(8000)).toBe(8000);
    expect(addressFor("127.128.18.21", 443)).toBe("127.128.18.21:8443");
  });
});
