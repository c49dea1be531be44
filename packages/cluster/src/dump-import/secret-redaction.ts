// Secrets in a dump have their values redacted: `oc adm inspect` (and so must-gather) replaces every
// data value but tls.crt, ca.crt and service-ca.crt with "<n> bytes long" (openshift/oc
// pkg/cli/admin/inspect/secret.go elideSecret); people redact by hand too ("[redacted]", "REDACTED").
// A redacted value becomes a generated test key (stable per namespace/name/key, so a case replays
// with the same keys); a TLS Secret whose private key is redacted is left to the testbed's CAs.
import { createHash } from "node:crypto";
import type { KubeObject } from "@testbed/apimachinery";

export interface RestoredSecret {
  /** The Secret to import, or undefined when it is dropped. */
  object?: KubeObject;
  dropReason?: string;
  /** "namespace/name: key" of each value replaced by a generated test key. */
  generated: string[];
}

const HAND_REDACTED = /^(\[redacted\]|<redacted>|redacted|\*+|x+)$/i;
const INSPECT_ELIDED = /^\d+ bytes long$/;

/** Whether a Secret value (as stored: base64 in data, plain in stringData) was redacted. */
export function isRedacted(value: unknown, encoded: boolean): boolean {
  if (typeof value !== "string") return false;
  if (HAND_REDACTED.test(value.trim())) return true;
  const plain = encoded ? Buffer.from(value, "base64").toString("utf8") : value;
  return INSPECT_ELIDED.test(plain) || HAND_REDACTED.test(plain.trim());
}

export function restoreSecret(secret: KubeObject): RestoredSecret {
  const where = `${secret.metadata.namespace ?? ""}/${secret.metadata.name}`;
  const data = { ...((secret.data ?? {}) as Record<string, string>) };
  const stringData = { ...((secret.stringData ?? {}) as Record<string, string>) };
  if (
    secret.type === "kubernetes.io/tls" &&
    (isRedacted(data["tls.key"], true) || isRedacted(stringData["tls.key"], false))
  )
    return {
      dropReason: "its tls.key is redacted: the testbed's ingress and service CAs issue certificates in its place",
      generated: [],
    };
  const generated: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (!isRedacted(value, true)) continue;
    data[key] = Buffer.from(testKey(where, key)).toString("base64");
    generated.push(`${where}: ${key}`);
  }
  for (const [key, value] of Object.entries(stringData)) {
    if (!isRedacted(value, false)) continue;
    stringData[key] = testKey(where, key);
    generated.push(`${where}: ${key}`);
  }
  const object: KubeObject = { ...secret };
  if (Object.keys(data).length > 0) object.data = data;
  if (Object.keys(stringData).length > 0) object.stringData = stringData;
  return { object, generated };
}

/** A test key in place of a redacted value, the same on every import of the same Secret. */
export function testKey(where: string, key: string): string {
  return `testbed-${createHash("sha256").update(`${where}/${key}`).digest("hex").slice(0, 32)}`;
}
