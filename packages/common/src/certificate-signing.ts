// The X.509 work behind certificates.ts, in whichever thread runs it (a `testbed up` runs it in a
// worker thread: certificate-worker.ts): key pairs, certificate authorities, signed and self-signed
// serving certificates. PEM out.
import { webcrypto } from "node:crypto";
import type * as X509 from "@peculiar/x509";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

let x509Library: Promise<typeof X509> | undefined;

/**
 * @peculiar/x509, loaded with the first certificate (120-230 ms of loading that a process which never
 * signs one, or signs it later, does not pay up front). It resolves its ASN.1 providers through
 * tsyringe, which needs reflect-metadata loaded first.
 */
export function x509(): Promise<typeof X509> {
  x509Library ??= (async () => {
    await import("reflect-metadata");
    const library = await import("@peculiar/x509");
    library.cryptoProvider.set(webcrypto as unknown as Parameters<typeof library.cryptoProvider.set>[0]);
    return library;
  })();
  return x509Library;
}

// RSA 2048 rather than the real EPP's 4096: the same kind of certificate, generated in a fraction of the time.
const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: "RSASSA-PKCS1-v1_5",
  hash: "SHA-256",
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
};
// ECDSA P-256 for the testbed's own ingress CA: no real component's key type to match, and a key
// takes about a millisecond instead of RSA's hundreds, which keeps `testbed up` fast.
const ECDSA_KEY: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };
const ECDSA_SIGNATURE: webcrypto.EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

export type KeyAlgorithm = "RSA-2048" | "ECDSA-P256";

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const DAY_MS = 86_400_000;

export interface PemKeyPair {
  cert: string;
  key: string;
}

export interface CertificateSubject {
  /** Distinguished name, e.g. "O=Inference Ext" or "CN=qwen3-0-6b-epp-service.my-first-model.svc". */
  name: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  validDays?: number;
  /** Start of validity; default now. Set in the past to make expired certificates for tests. */
  notBefore?: Date;
}

/** Key pairs generated ahead of need (see prepareKeyPairs), taken first come, first served. */
const prepared: Record<KeyAlgorithm, Promise<CryptoKeyPair>[]> = { "RSA-2048": [], "ECDSA-P256": [] };

function generateKeyPair(algorithm: KeyAlgorithm): Promise<CryptoKeyPair> {
  const params = algorithm === "RSA-2048" ? RSA : ECDSA_KEY;
  return webcrypto.subtle.generateKey(params, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
}

/** Top the pool up to `count` key pairs of `algorithm`, each generating on a libuv thread-pool thread. */
export function prepareKeyPairs(algorithm: KeyAlgorithm, count: number): void {
  while (prepared[algorithm].length < count) {
    const pair = generateKeyPair(algorithm);
    pair.catch(() => {}); // a failure surfaces in whoever takes it
    prepared[algorithm].push(pair);
  }
}

function keyPair(algorithm: KeyAlgorithm = "RSA-2048"): Promise<CryptoKeyPair> {
  return prepared[algorithm].shift() ?? generateKeyPair(algorithm);
}

function signatureFor(algorithm: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | webcrypto.EcdsaParams {
  return algorithm === "RSA-2048" ? RSA : ECDSA_SIGNATURE;
}

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trim()}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString("hex")
    .replace(/^[89a-f]/, "1");
}

function validity(subject: CertificateSubject): { notBefore: Date; notAfter: Date } {
  const notBefore = subject.notBefore ?? new Date();
  return { notBefore, notAfter: new Date(notBefore.getTime() + (subject.validDays ?? 3650) * DAY_MS) };
}

function serverExtensions(library: typeof X509, subject: CertificateSubject): X509.Extension[] {
  const extensions: X509.Extension[] = [
    new library.BasicConstraintsExtension(false, undefined, true),
    new library.KeyUsagesExtension(
      library.KeyUsageFlags.digitalSignature | library.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new library.ExtendedKeyUsageExtension([SERVER_AUTH]),
  ];
  const names = [
    ...(subject.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
    ...(subject.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  if (names.length > 0) extensions.push(new library.SubjectAlternativeNameExtension(names));
  return extensions;
}

/** A self-signed serving certificate (what the EPP generates: O=Inference Ext, 10 years). */
export async function createSelfSigned(subject: CertificateSubject): Promise<PemKeyPair> {
  const [library, keys] = await Promise.all([x509(), keyPair()]);
  const cert = await library.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject.name,
    ...validity(subject),
    keys,
    signingAlgorithm: RSA,
    extensions: serverExtensions(library, subject),
  });
  return { cert: cert.toString("pem"), key: await pemKey(keys.privateKey) };
}

/** A certificate authority with its key, living in the thread that signs with it. */
export interface SigningAuthority {
  readonly certPem: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly cert: X509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface AuthorityOptions {
  validDays?: number;
  /** Its key's algorithm, and so that of the certificates it issues; RSA 2048 by default. */
  keyAlgorithm?: KeyAlgorithm;
}

/** A new self-signed CA certificate (basic constraints CA, key usages certificate and CRL signing). */
export async function createAuthority(name: string, options: AuthorityOptions = {}): Promise<SigningAuthority> {
  const keyAlgorithm = options.keyAlgorithm ?? "RSA-2048";
  const [x509Lib, keys] = await Promise.all([x509(), keyPair(keyAlgorithm)]);
  const cert = await x509Lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    ...validity({ name, validDays: options.validDays ?? 3650 }),
    keys,
    signingAlgorithm: signatureFor(keyAlgorithm),
    extensions: [
      new x509Lib.BasicConstraintsExtension(true, undefined, true),
      new x509Lib.KeyUsagesExtension(x509Lib.KeyUsageFlags.keyCertSign | x509Lib.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { certPem: cert.toString("pem"), keyAlgorithm, cert, keys };
}

/** A serving certificate signed by `authority`, with a new key of the authority's algorithm. */
export async function issueCertificate(authority: SigningAuthority, subject: CertificateSubject): Promise<PemKeyPair> {
  const [library, keys] = await Promise.all([x509(), keyPair(authority.keyAlgorithm)]);
  const cert = await library.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: subject.name,
    issuer: authority.cert.subject,
    ...validity(subject),
    publicKey: keys.publicKey,
    signingKey: authority.keys.privateKey,
    signingAlgorithm: signatureFor(authority.keyAlgorithm),
    extensions: serverExtensions(library, subject),
  });
  return { cert: cert.toString("pem"), key: await pemKey(keys.privateKey) };
}
