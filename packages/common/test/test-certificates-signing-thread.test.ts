import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createSelfSignedCertificate } from "../src/certificates.js";

// The compiled package (the global setup builds dist/), where certificates are signed in a worker thread.
const COMPILED = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** Runs `body` in a plain Node process against the compiled package and returns what it prints, as JSON. */
async function inCompiledPackage(body: string): Promise<Record<string, string>> {
  const script = `import { CertificateAuthority, createSelfSignedCertificate, prepareKeyPairs } from ${JSON.stringify(COMPILED)};
${body}`;
  // The process must end by itself: an idle signing thread does not keep it alive.
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

describe("certificates signed in the compiled package's signing thread", () => {
  it("issues from a CA kept in that thread and self-signs, with the same certificates as in the caller's thread", async () => {
    const out = await inCompiledPackage(`
prepareKeyPairs("RSA-2048", 2);
const ca = await CertificateAuthority.create("CN=openshift-service-serving-signer");
const issued = await ca.issue({ name: "CN=epp.ns.svc", dnsNames: ["epp.ns.svc"] });
const selfSigned = await createSelfSignedCertificate({ name: "O=Inference Ext" });
const ecdsa = await CertificateAuthority.create("CN=ingress", { keyAlgorithm: "ECDSA-P256" });
const gateway = await ecdsa.issue({ name: "CN=gw.example", dnsNames: ["gw.example"] });
console.log(JSON.stringify({ ca: ca.certPem, issued: issued.cert, key: issued.key, selfSigned: selfSigned.cert,
  ecdsa: ecdsa.certPem, gateway: gateway.cert, algorithm: ecdsa.keyAlgorithm }));
`);
    const authority = new X509Certificate(out.ca!);
    const issued = new X509Certificate(out.issued!);
    expect(authority.ca).toBe(true);
    expect(issued.checkIssued(authority)).toBe(true);
    expect(issued.verify(authority.publicKey)).toBe(true);
    expect(issued.checkHost("epp.ns.svc")).toBe("epp.ns.svc");
    expect(issued.publicKey.asymmetricKeyType).toBe("rsa");
    expect(out.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(new X509Certificate(out.selfSigned!).subject).toBe("O=Inference Ext");
    const gateway = new X509Certificate(out.gateway!);
    expect(gateway.verify(new X509Certificate(out.ecdsa!).publicKey)).toBe(true);
    expect(gateway.publicKey.asymmetricKeyType).toBe("ec");
    expect(out.algorithm).toBe("ECDSA-P256");
  });

  it("rejects what the signing thread cannot sign, with the reason signing in the caller's thread gives", async () => {
    const here = await createSelfSignedCertificate({ name: "CN=a, FOO=b" }).then(
      () => "signed",
      (error: Error) => error.message,
    );
    const out = await inCompiledPackage(`
const failure = await createSelfSignedCertificate({ name: "CN=a, FOO=b" }).then(() => "signed", (error) => error.message);
console.log(JSON.stringify({ failure }));
`);
    expect(here).not.toBe("signed");
    expect(out.failure).toBe(here);
  });
});
