// A failed connection's error in words a workshop participant knows: Node's TLS verification codes
// and messages (the gateway's TLS is Node's) named the way Go and most tools print them.

const UNKNOWN_AUTHORITY = [
  /self[- ]signed certificate/i,
  /unable to verify the first certificate/i,
  /unable to get local issuer certificate/i,
  /unable to get issuer certificate/i,
  /CERTIFICATE_VERIFY_FAILED/,
];

/**
 * "TLS: certificate signed by unknown authority (self-signed certificate)" for a verification failure
 * against the cluster's CA; other errors are kept as they were reported.
 */
export function describeStreamError(details: string): string {
  if (UNKNOWN_AUTHORITY.some((pattern) => pattern.test(details)))
    return `TLS: certificate signed by unknown authority (${details})`;
  if (/Hostname\/IP does not match|ERR_TLS_CERT_ALTNAME_INVALID/i.test(details))
    return `TLS: certificate is not valid for this name (${details})`;
  if (/ECONNREFUSED/.test(details)) return `connection refused (${details})`;
  return details;
}
