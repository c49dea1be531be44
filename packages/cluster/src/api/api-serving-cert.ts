// The API server's own certificate authority and serving certificate, as kube-apiserver has one:
// kubectl and client-go send a bearer token only over TLS, so a server that requires a token serves
// HTTPS. The CA goes into the kubeconfig (certificate-authority-data) and beside the server file for
// `testbed oc`. ECDSA P-256: generated in milliseconds, unlike an RSA key.
import { CertificateAuthority, type PemKeyPair } from "@testbed/common";

export interface ApiServingCert extends PemKeyPair {
  /** The CA that signed it (PEM), which clients trust. */
  ca: string;
}

export async function createApiServingCert(host: string): Promise<ApiServingCert> {
  const authority = await CertificateAuthority.create("CN=testbed-kube-apiserver-ca", { keyAlgorithm: "ECDSA-P256" });
  const ipAddresses = /^[\d.]+$/.test(host) ? [host] : [];
  const serving = await authority.issue({
    name: "CN=kube-apiserver",
    dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"],
    ipAddresses: [...new Set(["127.0.0.1", ...ipAddresses])],
    validDays: 365,
  });
  return { ...serving, ca: authority.certPem };
}
