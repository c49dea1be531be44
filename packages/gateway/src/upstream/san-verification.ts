// Envoy's checks of an upstream certificate's subject alternative names, after its chain verified
// (source/common/tls/cert_validator/default_validator.cc, san_matcher.cc):
// - the cluster's SAN matchers: one SAN of the matcher's type must match; an `exact` matcher on a
//   DNS SAN follows DNS rules (a certificate's "*.ns.svc" covers "epp.ns.svc", one label deep);
// - auto_san_validation's list (the request's Host): a SAN must equal it (DNS SANs by DNS rules).
// A failure counts ssl.fail_verify_san and fails the handshake (CERTIFICATE_VERIFY_FAILED).
import type { PeerCertificate } from "node:tls";
import type { SanMatcher, StringMatcher } from "../config/envoy-types.js";

interface CertificateSan {
  type: SanMatcher["type"];
  value: string;
}

const NODE_SAN_TYPES: Record<string, SanMatcher["type"]> = {
  DNS: "DNS",
  URI: "URI",
  email: "EMAIL",
  "IP Address": "IP_ADDRESS",
};

/** The certificate's SANs from Node's `subjectaltname` ("DNS:a, IP Address:10.0.0.1, URI:…"). */
export function certificateSans(certificate: PeerCertificate): CertificateSan[] {
  const text = certificate.subjectaltname ?? "";
  return text
    .split(", ")
    .map((entry) => {
      const colon = entry.indexOf(":");
      const type = NODE_SAN_TYPES[entry.slice(0, colon)];
      return type ? { type, value: entry.slice(colon + 1) } : undefined;
    })
    .filter((san): san is CertificateSan => san !== undefined);
}

/** Utility::dnsNameMatch: `expected` against a certificate name that may be a "*." wildcard. */
export function dnsNameMatch(expected: string, certificateName: string): boolean {
  const name = expected.toLowerCase();
  const pattern = certificateName.toLowerCase();
  if (name === pattern) return true;
  if (pattern.length > 1 && pattern.startsWith("*.") && name.length > pattern.length - 1) {
    const offset = name.length - pattern.length + 1;
    return !name.slice(0, offset).includes(".") && name.slice(offset) === pattern.slice(1);
  }
  return false;
}

function stringMatches(matcher: StringMatcher, value: string): boolean {
  const fold = (text: string) => (matcher.ignore_case ? text.toLowerCase() : text);
  const subject = fold(value);
  if (matcher.exact !== undefined) return subject === fold(matcher.exact);
  if (matcher.prefix !== undefined) return subject.startsWith(fold(matcher.prefix));
  if (matcher.suffix !== undefined) return subject.endsWith(fold(matcher.suffix));
  if (matcher.contains !== undefined) return subject.includes(fold(matcher.contains));
  if (matcher.safe_regex !== undefined) return new RegExp(`^(?:${matcher.safe_regex.regex})$`).test(value);
  return false;
}

function sanMatches(matcher: SanMatcher, san: CertificateSan): boolean {
  if (matcher.type !== san.type) return false;
  if (san.type === "DNS" && matcher.matcher.exact !== undefined) return dnsNameMatch(matcher.matcher.exact, san.value);
  return stringMatches(matcher.matcher, san.value);
}

/**
 * Why the certificate fails the SAN checks (Envoy's debug message), or undefined when it passes.
 * `verifyList` is auto_san_validation's list; `matchers` the cluster's SAN matchers.
 */
export function sanVerificationError(
  certificate: PeerCertificate,
  matchers: SanMatcher[],
  verifyList: string[],
): string | undefined {
  const sans = certificateSans(certificate);
  const shown = sans.map((san) => san.value).join(", ");
  if (verifyList.length > 0) {
    const ok = sans.some((san) =>
      verifyList.some((expected) => (san.type === "DNS" ? dnsNameMatch(expected, san.value) : expected === san.value)),
    );
    if (!ok)
      return `verify cert failed: verify SAN list, expected SANs: [${verifyList.join(", ")}], certificate SANs: [${shown}]`;
  }
  if (matchers.length > 0 && !matchers.some((matcher) => sans.some((san) => sanMatches(matcher, san)))) {
    return `verify cert failed: SAN matcher, certificate SANs are [${shown}]`;
  }
  return undefined;
}
