import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { createSelfSignedCertificate, type PemKeyPair } from "@testbed/common";

/**
 * The certificate the ext_proc port presents. With --cert-path the EPP uses <path>/tls.crt and
 * <path>/tls.key (in the cluster, a service-CA-signed pair mounted at /var/run/kserve/tls). Without
 * it, secure serving falls back to a SELF-SIGNED certificate (O=Inference Ext, 10 years) that no
 * gateway trusts — the seed's Bug 3.
 */
export async function servingCertificate(certPath: string | undefined): Promise<PemKeyPair & { selfSigned: boolean }> {
  if (certPath) {
    const [cert, key] = await Promise.all([
      readFile(join(certPath, "tls.crt"), "utf8"),
      readFile(join(certPath, "tls.key"), "utf8"),
    ]);
    return { cert, key, selfSigned: false };
  }
  return { ...(await createSelfSignedCertificate({ name: "O=Inference Ext", validDays: 3650 })), selfSigned: true };
}
