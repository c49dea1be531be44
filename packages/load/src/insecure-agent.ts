import { Agent } from "undici";

/**
 * One keep-alive connection pool for every request: the testbed's gateways and pods present
 * certificates from its own CAs, so verification is off, as `curl -k` in the seed's commands.
 */
let shared: Agent | undefined;

export function insecureAgent(): Agent {
  shared ??= new Agent({
    connect: { rejectUnauthorized: false },
    keepAliveTimeout: 30_000,
    connections: null,
  });
  return shared;
}
