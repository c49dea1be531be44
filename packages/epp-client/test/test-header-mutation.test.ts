// Envoy's default header mutation rules (mutation_utils.cc with the default checker), the ones the
// contract suite used to skip by setting every header it was given.
import { setHeader } from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { applyHeaderMutation } from "../src/client.js";

const TWO = Buffer.from("2");

describe("a processor's header mutation under Envoy's default rules", () => {
  it("refuses and counts changes to host, :authority, :scheme, :method and x-envoy-* headers", () => {
    const headers: Record<string, string> = { ":authority": "gw", host: "gw", ":method": "POST" };
    const rejected = applyHeaderMutation(headers, {
      set_headers: ["host", ":authority", ":scheme", ":method", "x-envoy-original-path"].map((name) =>
        setHeader(name, "changed"),
      ),
      remove_headers: ["host", ":method"],
    });
    expect(rejected).toBe(7);
    expect(headers).toEqual({ ":authority": "gw", host: "gw", ":method": "POST" });
  });

  it("refuses to remove a pseudo-header but may set :path", () => {
    const headers: Record<string, string> = { ":path": "/a" };
    expect(applyHeaderMutation(headers, { remove_headers: [":path"] })).toBe(1);
    expect(applyHeaderMutation(headers, { set_headers: [setHeader(":path", "/b")] })).toBe(0);
    expect(headers[":path"]).toBe("/b");
  });

  it("appends only when the append flag says so, and ignores append_action as Envoy's ext_proc does", () => {
    const headers: Record<string, string> = { a: "1", b: "1", c: "1" };
    applyHeaderMutation(headers, {
      set_headers: [
        { header: { key: "a", raw_value: TWO }, append_action: "APPEND_IF_EXISTS_OR_ADD" },
        { header: { key: "b", raw_value: TWO }, append_action: "ADD_IF_ABSENT" },
        { header: { key: "d", raw_value: TWO }, append_action: "OVERWRITE_IF_EXISTS" },
        { header: { key: "c", raw_value: TWO }, append: { value: true }, append_action: "OVERWRITE_IF_EXISTS_OR_ADD" },
        { header: { key: "e", raw_value: TWO } },
      ],
    });
    expect(headers).toEqual({ a: "2", b: "2", c: "1,2", d: "2", e: "2" });
  });

  it("lower-cases names, removes headers, and records what it set", () => {
    const headers: Record<string, string> = { "x-old": "1" };
    const applied: Record<string, string> = {};
    applyHeaderMutation(
      headers,
      { set_headers: [setHeader("X-Gateway-Destination-Endpoint", "10.0.0.1:8000")], remove_headers: ["X-Old"] },
      applied,
    );
    expect(headers).toEqual({ "x-gateway-destination-endpoint": "10.0.0.1:8000" });
    expect(applied).toEqual({ "x-gateway-destination-endpoint": "10.0.0.1:8000" });
  });
});
