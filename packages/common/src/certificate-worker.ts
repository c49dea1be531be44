// The worker thread that signs a `testbed up`'s certificates (see certificates.ts): it loads the
// X.509 library and does the ASN.1 work while the main thread starts the cluster. Its certificate
// authorities stay here with their keys; the main thread names them by number.
import { parentPort } from "node:worker_threads";
import {
  type AuthorityOptions,
  type CertificateSubject,
  createAuthority,
  createSelfSigned,
  issueCertificate,
  type KeyAlgorithm,
  prepareKeyPairs,
  type SigningAuthority,
  x509,
} from "./certificate-signing.js";

/** What the main thread asks; every request but `prepare` gets one reply with its id. */
export type SigningRequest =
  | { op: "prepare"; algorithm: KeyAlgorithm; count: number }
  | { op: "authority"; id: number; name: string; options: AuthorityOptions }
  | { op: "issue"; id: number; authority: number; subject: CertificateSubject }
  | { op: "self-signed"; id: number; subject: CertificateSubject };

export type SigningReply = { id: number; result: unknown } | { id: number; error: string };

const authorities = new Map<number, SigningAuthority>();

async function answer(request: Exclude<SigningRequest, { op: "prepare" }>): Promise<unknown> {
  switch (request.op) {
    case "authority": {
      const authority = await createAuthority(request.name, request.options);
      authorities.set(request.id, authority);
      return authority.certPem;
    }
    case "issue": {
      const authority = authorities.get(request.authority);
      if (!authority) throw new Error(`no certificate authority ${request.authority} in the signing thread`);
      return issueCertificate(authority, request.subject);
    }
    case "self-signed":
      return createSelfSigned(request.subject);
  }
}

// Started to sign: the library loads now, while the main thread has other work to do.
x509().catch(() => {}); // a failure surfaces in the first request

parentPort?.on("message", (request: SigningRequest) => {
  if (request.op === "prepare") {
    prepareKeyPairs(request.algorithm, request.count);
    return;
  }
  answer(request).then(
    (result) => parentPort?.postMessage({ id: request.id, result } satisfies SigningReply),
    (error: Error) => parentPort?.postMessage({ id: request.id, error: error.message } satisfies SigningReply),
  );
});
