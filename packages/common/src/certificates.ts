import { webcrypto } from "node:crypto";
import { isIPv4 } from "node:net";
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  namedBits,
  nullValue,
  objectIdentifier,
  octetString,
  sequence,
  smallInteger,
  time,
  unsignedInteger,
} from "./der.js";
import { distinguishedName } from "./distinguished-name.js";

/**
 * X.509 certificates for the testbed's TLS: the self-signed certificate the EPP makes when it has
 * no --cert-path (Bug 3), and a small certificate authority that signs serving certificates
 * (the cluster's service CA). PEM in, PEM out.
 */
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

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

// Written with the few DER types a certificate needs (der.ts) and WebCrypto: an X.509 library would
// cost every process that makes a certificate (a testbed starting, the EPP) 120-230 ms just to load.
const OID = {
  serverAuth: "1.3.6.1.5.5.7.3.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extendedKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
};
// KeyUsage bit numbers (RFC 5280 4.2.1.3).
const DIGITAL_SIGNATURE = 0;
const KEY_ENCIPHERMENT = 2;
const KEY_CERT_SIGN = 5;
const CRL_SIGN = 6;
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

/**
 * Have `count` key pairs generating or ready for the next certificates to take (topped up, so two
 * callers asking for the same keys do not double them), each on its own libuv thread-pool thread.
 * An RSA 2048 key takes 50–300 ms of one core (a random prime search): a program that knows it will
 * sign several certificates (a testbed starting: the service CA, its first serving certificate, the
 * EPP's own) gets them in parallel, while its main thread does other work.
 */
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

/** The AlgorithmIdentifier of a signature (sha256WithRSAEncryption takes NULL parameters, ECDSA none). */
function signatureAlgorithm(algorithm: KeyAlgorithm): Buffer {
  return algorithm === "RSA-2048"
    ? sequence(objectIdentifier(OID.sha256WithRsa), nullValue())
    : sequence(objectIdentifier(OID.ecdsaWithSha256));
}

interface CertificateFields {
  serialNumber: string;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  algorithm: KeyAlgorithm;
  extensions: Buffer[];
}

/** An X.509 v3 certificate (RFC 5280 4.1), signed, as PEM. */
async function signCertificate(fields: CertificateFields): Promise<string> {
  const toBeSigned = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(Buffer.from(fields.serialNumber, "hex")),
    signatureAlgorithm(fields.algorithm),
    fields.issuer,
    sequence(time(fields.notBefore), time(fields.notAfter)),
    fields.subject,
    Buffer.from(await webcrypto.subtle.exportKey("spki", fields.publicKey)),
    explicit(3, sequence(...fields.extensions)),
  );
  const signed = new Uint8Array(
    await webcrypto.subtle.sign(signatureFor(fields.algorithm), fields.signingKey, toBeSigned),
  );
  // WebCrypto's ECDSA signature is r‖s; a certificate carries SEQUENCE { r INTEGER, s INTEGER }.
  const signature =
    fields.algorithm === "RSA-2048"
      ? signed
      : sequence(unsignedInteger(signed.subarray(0, 32)), unsignedInteger(signed.subarray(32)));
  const der = sequence(toBeSigned, signatureAlgorithm(fields.algorithm), bitString(signature));
  return `-----BEGIN CERTIFICATE-----\n${der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trim()}\n-----END CERTIFICATE-----`;
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

function caExtensions(): Buffer[] {
  return [
    extension(OID.basicConstraints, true, sequence(boolean(true))),
    extension(OID.keyUsage, true, namedBits([KEY_CERT_SIGN, CRL_SIGN])),
  ];
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

function serverExtensions(subject: CertificateSubject): Buffer[] {
  const extensions = [
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, namedBits([DIGITAL_SIGNATURE, KEY_ENCIPHERMENT])),
    extension(OID.extendedKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
  ];
  const names = [
    ...(subject.dnsNames ?? []).map((name) => implicitPrimitive(2, Buffer.from(name, "ascii"))),
    ...(subject.ipAddresses ?? []).map((address) => implicitPrimitive(7, ipAddressBytes(address))),
  ];
  if (names.length > 0) extensions.push(extension(OID.subjectAltName, false, sequence(...names)));
  return extensions;
}

/** An iPAddress name's bytes: 4 for IPv4, 16 for IPv6. */
function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split(".").map(Number));
  const [head = "", tail] = address.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  if (all.length !== 8 || all.some((group) => !Number.isInteger(group) || group < 0 || group > 0xffff)) {
    throw new Error(`not an IP address: ${address}`);
  }
  const bytes = Buffer.alloc(16);
  for (const [index, group] of all.entries()) bytes.writeUInt16BE(group, index * 2);
  return bytes;
}

/** A self-signed serving certificate (what the EPP generates: O=Inference Ext, 10 years). */
export async function createSelfSignedCertificate(subject: CertificateSubject): Promise<PemKeyPair> {
  const name = distinguishedName(subject.name);
  const keys = await keyPair();
  const cert = await signCertificate({
    serialNumber: serial(),
    issuer: name,
    subject: name,
    ...validity(subject),
    publicKey: keys.publicKey,
    signingKey: keys.privateKey,
    algorithm: "RSA-2048",
    extensions: serverExtensions(subject),
  });
  return { cert, key: await pemKey(keys.privateKey) };
}

/** A certificate authority that can sign serving certificates (its certificates use its key algorithm). */
export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    /** The CA's subject, DER-encoded: the issuer of what it signs. */
    private readonly name: Buffer,
    private readonly keys: CryptoKeyPair,
    readonly keyAlgorithm: KeyAlgorithm,
  ) {}

  static async create(
    name: string,
    options: { validDays?: number; keyAlgorithm?: KeyAlgorithm } = {},
  ): Promise<CertificateAuthority> {
    const keyAlgorithm = options.keyAlgorithm ?? "RSA-2048";
    const encodedName = distinguishedName(name);
    const keys = await keyPair(keyAlgorithm);
    const certPem = await signCertificate({
      serialNumber: serial(),
      issuer: encodedName,
      subject: encodedName,
      ...validity({ name, validDays: options.validDays ?? 3650 }),
      publicKey: keys.publicKey,
      signingKey: keys.privateKey,
      algorithm: keyAlgorithm,
      extensions: caExtensions(),
    });
    return new CertificateAuthority(certPem, encodedName, keys, keyAlgorithm);
  }

  async issue(subject: CertificateSubject): Promise<PemKeyPair> {
    const name = distinguishedName(subject.name);
    const keys = await keyPair(this.keyAlgorithm);
    const cert = await signCertificate({
      serialNumber: serial(),
      issuer: this.name,
      subject: name,
      ...validity(subject),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      algorithm: this.keyAlgorithm,
      extensions: serverExtensions(subject),
    });
    return { cert, key: await pemKey(keys.privateKey) };
  }
}
