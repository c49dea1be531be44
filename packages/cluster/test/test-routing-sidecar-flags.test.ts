import { describe, expect, it } from "vitest";
import type { ContainerContext } from "../src/kubelet/runtimes/container-runtime.js";
import { routingSidecarImage } from "../src/kubelet/runtimes/routing-sidecar.js";

// The routing sidecar refuses a flag value as pflag does before anything starts: FlagSet.Set's
// `invalid argument %q for %q flag: %v` around the value's own parse error, exit code 2.
function start(argv: string[]) {
  return routingSidecarImage.start({ argv, env: {} } as unknown as ContainerContext);
}

describe("the routing sidecar's --data-parallel-size", () => {
  it("refuses a value strconv.ParseInt cannot read, with pflag's whole message", async () => {
    await expect(start(["--data-parallel-size=two"])).rejects.toMatchObject({
      message:
        'invalid argument "two" for "--data-parallel-size" flag: strconv.ParseInt: parsing "two": invalid syntax',
      exitCode: 2,
    });
    await expect(start(["--data-parallel-size=1.5"])).rejects.toMatchObject({
      message:
        'invalid argument "1.5" for "--data-parallel-size" flag: strconv.ParseInt: parsing "1.5": invalid syntax',
    });
  });

  it("reads base prefixes as ParseInt(s, 0, 64) does, then goes on to the next check", async () => {
    // Past the flag: the next refusal is the testbed's missing --cert-path for --secure-proxy.
    await expect(start(["--data-parallel-size=0x2"])).rejects.toThrow("--secure-proxy requires --cert-path");
  });
});
