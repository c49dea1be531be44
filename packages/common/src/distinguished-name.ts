// Distinguished names as the testbed writes them (`CN=qwen3-0-6b-epp-service.my-first-model.svc`,
// `O=Inference Ext`, `CN=a, O=b`), encoded as an X.509 Name for certificates.ts.
import { directoryString, element, objectIdentifier, sequence, set } from "./der.js";

const ATTRIBUTE_TYPES: Record<string, string> = {
  CN: "2.5.4.3",
  C: "2.5.4.6",
  L: "2.5.4.7",
  ST: "2.5.4.8",
  O: "2.5.4.10",
  OU: "2.5.4.11",
};

/**
 * The DER Name for `TYPE=value` pairs separated by commas (a comma inside a value is written `\,`),
 * one attribute per RDN, in the order written. An unknown attribute type is an error.
 */
export function distinguishedName(text: string): Buffer {
  const parts = text
    .split(/(?<!\\),/)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  return sequence(
    ...parts.map((part) => {
      const equals = part.indexOf("=");
      const type = part.slice(0, equals).trim().toUpperCase();
      const oid = ATTRIBUTE_TYPES[type];
      if (equals < 0 || !oid) {
        throw new Error(`unsupported name attribute "${part}" in "${text}" (use ${Object.keys(ATTRIBUTE_TYPES)})`);
      }
      const value = part.slice(equals + 1).replace(/\\,/g, ",");
      // countryName is a PrintableString by definition; the others are DirectoryStrings.
      const encoded = type === "C" ? element(0x13, Buffer.from(value, "ascii")) : directoryString(value);
      return set(sequence(objectIdentifier(oid), encoded));
    }),
  );
}
