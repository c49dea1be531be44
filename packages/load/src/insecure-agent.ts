// One keep-alive connection pool for every request: the testbed's gateways and pods present
// certificates from its own CAs, so verification is off, as `curl -k` in the seed's commands.
import { Agent } from "undici";

let shared: Agent | undefined;

/** The shared keep-alive agent, with certificate verification off. */
export function insecureAgent(): Agent {
  shared ??= new Agent({
    connect: { rejectUnauthorized: false },
    keepAliveTimeout: 30_000,
    connections: null,
  });
  return shared;
}
