import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CertificateAuthority, createSelfSignedCertificate } from "../src/certificates.js";

describe("certificates", () => {
  it("makes the EPP's self-signed certificate: O=Inference Ext, ten years, not a CA", async () => {
    const { cert, key } = await createSelfSignedCertificate({ name: "O=Inference Ext" });
    const x509 = new X509Certificate(cert);
    expect(x509.subject).toBe("O=Inference Ext");
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.ca).toBe(false);
    const years = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / (365 * 86_400_000);
    expect(Math.round(years)).toBe(10);
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("issues serving certificates a client can verify against the CA, for the names given", async () => {
    const ca = await CertificateAuthority.create("CN=openshift-service-serving-signer");
    const { cert } = await ca.issue({
      name: "CN=qwen3-0-6b-epp-service.my-first-model.svc",
      dnsNames: ["qwen3-0-6b-epp-service.my-first-model.svc"],
    });
    const issued = new X509Certificate(cert);
    const authority = new X509Certificate(ca.certPem);
    expect(authority.ca).toBe(true);
    expect(issued.verify(authority.publicKey)).toBe(true);
    expect(issued.checkIssued(authority)).toBe(true);
    expect(issued.checkHost("qwen3-0-6b-epp-service.my-first-model.svc")).toBe(
      "qwen3-0-6b-epp-service.my-first-model.svc",
    );
    expect(issued.checkHost("other.svc")).toBeUndefined();
  });

  it("can make an already expired certificate for failure scenarios", async () => {
    const { cert } = await createSelfSignedCertificate({
      name: "CN=old",
      notBefore: new Date(Date.now() - 10 * 86_400_000),
      validDays: 1,
    });
    expect(Date.parse(new X509Certificate(cert).validTo)).toBeLessThan(Date.now());
  });
});
