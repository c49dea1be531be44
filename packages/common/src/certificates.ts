// X.509 certificates for the testbed's TLS: the self-signed certificate the EPP makes when it has
// no --cert-path (Bug 3), and a small certificate authority that signs serving certificates
// (the cluster's service CA). PEM in, PEM out. Run from compiled JavaScript (`npx testbed`), the
// signing happens in a worker thread (certificate-worker.ts): loading the X.509 library and encoding
// certificates costs a starting testbed's main thread a fifth of its time to Ready, and a second
// core can do it meanwhile. Run from the TypeScript sources (tests, tsx) there is no worker file to
// start, and the same signing code runs in the caller's thread.
import { Worker } from "node:worker_threads";
import type { AuthorityOptions, CertificateSubject, KeyAlgorithm, PemKeyPair } from "./certificate-signing.js";
import * as signing from "./certificate-signing.js";
import type { SigningReply, SigningRequest } from "./certificate-worker.js";

export type { CertificateSubject, KeyAlgorithm, PemKeyPair } from "./certificate-signing.js";

/** Where certificates are made: this thread, or the signing worker. */
interface Signer {
  prepare(algorithm: KeyAlgorithm, count: number): void;
  authority(name: string, options: AuthorityOptions): Promise<{ certPem: string; issue: Issue }>;
  selfSigned(subject: CertificateSubject): Promise<PemKeyPair>;
}

type Issue = (subject: CertificateSubject) => Promise<PemKeyPair>;

const inThisThread: Signer = {
  prepare: signing.prepareKeyPairs,
  async authority(name, options) {
    const authority = await signing.createAuthority(name, options);
    return { certPem: authority.certPem, issue: (subject) => signing.issueCertificate(authority, subject) };
  },
  selfSigned: signing.createSelfSigned,
};

/** The signing worker, started with the first request; it keeps the process alive only while a reply is due. */
class WorkerSigner implements Signer {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(private readonly file: URL) {}

  prepare(algorithm: KeyAlgorithm, count: number): void {
    this.started().postMessage({ op: "prepare", algorithm, count } satisfies SigningRequest);
  }

  async authority(name: string, options: AuthorityOptions): Promise<{ certPem: string; issue: Issue }> {
    const id = this.nextId++;
    const certPem = (await this.request({ op: "authority", id, name, options })) as string;
    return {
      certPem,
      issue: (subject) =>
        this.request({ op: "issue", id: this.nextId++, authority: id, subject }) as Promise<PemKeyPair>,
    };
  }

  selfSigned(subject: CertificateSubject): Promise<PemKeyPair> {
    return this.request({ op: "self-signed", id: this.nextId++, subject }) as Promise<PemKeyPair>;
  }

  private request(request: Exclude<SigningRequest, { op: "prepare" }>): Promise<unknown> {
    const worker = this.started();
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // Node's flags for this process, less one that only a `-e` script can take.
    const worker = new Worker(this.file, {
      execArgv: process.execArgv.filter((flag) => !flag.startsWith("--input-type")),
    });
    worker.on("message", (reply: SigningReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ("error" in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.result);
    });
    // A worker that dies takes its authorities with it: what waits fails, the next request starts another.
    const lost = (error: Error) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`the certificate signing thread exited with code ${code}`)));
    // After the listeners: adding a "message" listener refs the worker's port again, and an idle
    // signing thread must not keep a finished command (e.g. a refused `up --from`) alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

const WORKER_FILE = new URL("./certificate-worker.js", import.meta.url);
const signer: Signer = import.meta.url.endsWith(".js") ? new WorkerSigner(WORKER_FILE) : inThisThread;

/**
 * Have `count` key pairs generating or ready for the next certificates to take (topped up, so two
 * callers asking for the same keys do not double them), each on its own libuv thread-pool thread.
 * An RSA 2048 key takes 50–300 ms of one core (a random prime search): a program that knows it will
 * sign several certificates (a testbed starting: the service CA, its first serving certificate, the
 * EPP's own) gets them in parallel, while its main thread does other work.
 */
export function prepareKeyPairs(algorithm: KeyAlgorithm, count: number): void {
  signer.prepare(algorithm, count);
}

/** A self-signed serving certificate (what the EPP generates: O=Inference Ext, 10 years). */
export function createSelfSignedCertificate(subject: CertificateSubject): Promise<PemKeyPair> {
  return signer.selfSigned(subject);
}

/** A certificate authority that can sign serving certificates (its certificates use its key algorithm). */
export class CertificateAuthority {
  private constructor(
    readonly certPem: string,
    readonly keyAlgorithm: KeyAlgorithm,
    private readonly signWith: Issue,
  ) {}

  static async create(name: string, options: AuthorityOptions = {}): Promise<CertificateAuthority> {
    const authority = await signer.authority(name, options);
    return new CertificateAuthority(authority.certPem, options.keyAlgorithm ?? "RSA-2048", authority.issue);
  }

  issue(subject: CertificateSubject): Promise<PemKeyPair> {
    return this.signWith(subject);
  }
}
