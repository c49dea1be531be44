import { describe, expect, it } from "vitest";
import { isWatch } from "../src/api/watch.js";

// kube-apiserver decodes `?watch=` into ListOptions.Watch with apimachinery's
// runtime.Convert_Slice_string_To_bool: only an absent parameter, "0" or "false" (any case) is false.
describe("the watch query parameter", () => {
  it("is false only when absent, 0 or false in any case", () => {
    for (const value of [undefined, "0", "false", "FALSE", "False", "fAlSe"]) expect(isWatch(value)).toBe(false);
  });

  it("is true for any other value, the empty one (`?watch`) and words strconv.ParseBool would refuse included", () => {
    for (const value of ["1", "true", "t", "", "yes", "on", "2"]) expect(isWatch(value)).toBe(true);
  });
});
