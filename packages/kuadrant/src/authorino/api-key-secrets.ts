// API keys as Authorino reads them: Kubernetes Secrets with data key `api_key` (base64, or
// `stringData`), the labels an AuthConfig's selector matches (plus
// `authorino.kuadrant.io/managed-by: authorino`), and the annotation `secret.kuadrant.io/user-id`.
// The Secret itself becomes `auth.identity`. Keys are compared in constant time and never logged.
import { createHash, timingSafeEqual } from "node:crypto";

/** A Secret as far as Authorino reads it for API keys. */
export interface KubernetesSecret {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export const MANAGED_BY_LABEL = "authorino.kuadrant.io/managed-by";
/**
 * Testbed annotation for keys minted with a lifetime (maas-api tokens): unix seconds, or an RFC 3339
 * time. Anything else makes the key unusable: an expiry nobody can read must fail closed, never mean
 * "forever".
 */
export const EXPIRES_AT_ANNOTATION = "maas.opendatahub.io/expires-at";

interface IndexedKey {
  digest: Buffer;
  secret: KubernetesSecret;
  namespace: string;
  /** When the key stops working (unix ms); Infinity for keys without a lifetime. */
  expiresAtMs: number;
}

export class ApiKeyStore {
  private keys: IndexedKey[] = [];

  /** Index the Secrets Authorino watches: those labelled managed-by authorino that carry an api_key. */
  setSecrets(secrets: readonly KubernetesSecret[]): void {
    this.keys = [];
    for (const secret of secrets) {
      const key = secretKey(secret);
      if (key === undefined || !labelsMatch(secret, { [MANAGED_BY_LABEL]: "authorino" })) continue;
      this.keys.push({
        digest: digest(key),
        secret,
        namespace: secret.metadata.namespace ?? "default",
        expiresAtMs: expiryMs(secret.metadata.annotations?.[EXPIRES_AT_ANNOTATION]),
      });
    }
  }

  /** The live Secret whose key equals `presented` and whose labels match, or undefined. */
  find(
    presented: string,
    matchLabels: Record<string, string>,
    namespace: string | undefined,
    nowMs: number,
  ): KubernetesSecret | undefined {
    const wanted = digest(presented);
    let found: KubernetesSecret | undefined;
    // Compare against every candidate, so the time taken does not reveal which key was close.
    for (const entry of this.keys) {
      if (namespace !== undefined && entry.namespace !== namespace) continue;
      if (entry.expiresAtMs <= nowMs || !labelsMatch(entry.secret, matchLabels)) continue;
      if (timingSafeEqual(entry.digest, wanted) && !found) found = entry.secret;
    }
    return found;
  }
}

/** When a key stops working (unix ms): Infinity without the annotation, -Infinity when it cannot be read. */
export function expiryMs(annotation: string | undefined): number {
  if (annotation === undefined) return Number.POSITIVE_INFINITY;
  const text = annotation.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
  const parsed = rfc3339.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : Number.NEGATIVE_INFINITY;
}

function secretKey(secret: KubernetesSecret): string | undefined {
  if (secret.stringData?.api_key !== undefined) return secret.stringData.api_key;
  if (secret.data?.api_key !== undefined) return Buffer.from(secret.data.api_key, "base64").toString("utf8");
  return undefined;
}

function digest(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

function labelsMatch(secret: KubernetesSecret, matchLabels: Record<string, string>): boolean {
  const labels = secret.metadata.labels ?? {};
  return Object.entries(matchLabels).every(([key, value]) => labels[key] === value);
}
