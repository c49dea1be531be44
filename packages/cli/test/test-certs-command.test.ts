import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { certsCommand } from "../src/commands/certs.js";

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    return { code: await certsCommand.run(argv), stderr };
  } finally {
    err.mockRestore();
    out.mockRestore();
  }
}

describe("testbed certs", () => {
  it("writes the service CA, one serving certificate for every service, and ingress certificates", async () => {
    const out = mkdtempSync(join(tmpdir(), "certs-"));
    const result = await run(["--out", out, "--service", "epp.ns1", "--service", "vllm.ns1", "--ingress", "gw-tls"]);
    expect(result.code).toBe(0);
    const ca = new X509Certificate(readFileSync(join(out, "service-ca.crt")));
    const serving = new X509Certificate(readFileSync(join(out, "serving", "tls.crt")));
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.subjectAltName).toContain("DNS:epp.ns1.svc.cluster.local");
    expect(serving.subjectAltName).toContain("DNS:vllm.ns1.svc");
    expect(existsSync(join(out, "ingress", "gw-tls", "tls.key"))).toBe(true);
  });

  it("refuses an ingress name that is not a Secret name, writing nothing", async () => {
    const out = mkdtempSync(join(tmpdir(), "certs-"));
    const result = await run(["--out", out, "--ingress", "../escape"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--ingress ../escape: expected a Secret name");
    expect(existsSync(join(out, "service-ca.crt"))).toBe(false);
  });
});
