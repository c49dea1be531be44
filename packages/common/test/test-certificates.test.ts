import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { CertificateAuthority, createSelfSignedCertificate, prepareKeyPairs } from "../src/certificates.js";

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

  it("writes names, key usages and IPv4/IPv6 addresses that OpenSSL reads back, with an ECDSA CA", async () => {
    const ca = await CertificateAuthority.create("CN=ingress-operator, O=Red Hat\\, Inc.", {
      keyAlgorithm: "ECDSA-P256",
    });
    const { cert } = await ca.issue({
      name: "CN=gw.example",
      dnsNames: ["gw.example", "*.apps.example"],
      ipAddresses: ["127.0.18.5", "::1", "fe80::1:2"],
    });
    const issued = new X509Certificate(cert);
    const authority = new X509Certificate(ca.certPem);
    expect(authority.subject).toBe("CN=ingress-operator\nO=Red Hat\\, Inc.");
    expect(issued.issuer).toBe(authority.subject);
    expect(issued.verify(authority.publicKey)).toBe(true);
    expect(issued.publicKey.asymmetricKeyType).toBe("ec");
    expect(issued.subjectAltName).toBe(
      "DNS:gw.example, DNS:*.apps.example, IP Address:127.0.18.5, IP Address:0:0:0:0:0:0:0:1, IP Address:FE80:0:0:0:0:0:1:2",
    );
    expect(issued.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    expect(issued.ca).toBe(false);
    expect(issued.checkIP("127.0.18.5")).toBe("127.0.18.5");
  });

  it("dates a certificate valid past 2049 with GeneralizedTime, as RFC 5280 asks", async () => {
    const { cert } = await createSelfSignedCertificate({
      name: "CN=long",
      notBefore: new Date("2049-06-01T00:00:00Z"),
    });
    const x509 = new X509Certificate(cert);
    expect(new Date(x509.validFrom).toISOString()).toBe("2049-06-01T00:00:00.000Z");
    expect(new Date(x509.validTo).getUTCFullYear()).toBe(2059);
  });

  it("refuses a name attribute it cannot encode instead of signing a certificate without it", async () => {
    await expect(createSelfSignedCertificate({ name: "CN=a, FOO=b" })).rejects.toThrow();
  });

  it("takes keys generated ahead of need one each: no two certificates share a key", async () => {
    prepareKeyPairs("ECDSA-P256", 2);
    prepareKeyPairs("ECDSA-P256", 2); // topped up, not doubled
    const first = await CertificateAuthority.create("CN=first", { keyAlgorithm: "ECDSA-P256" });
    const second = await CertificateAuthority.create("CN=second", { keyAlgorithm: "ECDSA-P256" });
    const third = await first.issue({ name: "CN=third" });
    const keys = [first.certPem, second.certPem, third.cert].map((pem) =>
      new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }).toString("hex"),
    );
    expect(new Set(keys).size).toBe(3);
  });
});
