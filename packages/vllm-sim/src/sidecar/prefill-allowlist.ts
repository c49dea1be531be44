// The routing sidecar's SSRF protection (llm-d pd-sidecar, pkg/sidecar/proxy/allowlist.go): with
// --enable-ssrf-protection, a prefill target named in x-prefiller-host-port must be a pod of the
// sidecar's InferencePool — its IP or its name, the port ignored — or the request is refused with 403.
// The real sidecar watches the pool's pods through the Kubernetes API; here the embedding program
// hands over a function that lists them.

/** The pool members' addresses and names, as the sidecar's pod informer sees them. */
export type PoolMembers = () => Iterable<string>;

export class PrefillAllowlist {
  constructor(private readonly members: PoolMembers) {}

  /** AllowlistValidator.IsAllowed: the host part of host:port (or the whole value) is a pool member. */
  isAllowed(hostPort: string): boolean {
    const host = hostOf(hostPort);
    for (const member of this.members()) if (member === host) return true;
    return false;
  }
}

/** net.SplitHostPort's host, or the input when it has no port. */
function hostOf(hostPort: string): string {
  const bracketed = /^\[([^\]]+)\]:\d*$/.exec(hostPort);
  if (bracketed) return bracketed[1] as string;
  const colon = hostPort.lastIndexOf(":");
  if (colon === -1 || hostPort.indexOf(":") !== colon) return hostPort;
  return hostPort.slice(0, colon);
}

/** http.Error(w, …, http.StatusForbidden): Go's plain-text error body. */
export const SSRF_FORBIDDEN_BODY = "Forbidden: prefill target not allowed by SSRF protection\n";

/** Options.Validate: protection needs to know which pool to watch. */
export function ssrfConfigurationError(namespace: string | undefined, name: string | undefined): string | undefined {
  if (!namespace) {
    return "--inference-pool, --inference-pool-namespace, INFERENCE_POOL, or INFERENCE_POOL_NAMESPACE environment variable is required when --enable-ssrf-protection is true";
  }
  if (!name) {
    return "--inference-pool, --inference-pool-name, INFERENCE_POOL, or INFERENCE_POOL_NAME environment variable is required when --enable-ssrf-protection is true";
  }
  return undefined;
}
