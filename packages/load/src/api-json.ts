import type { Dispatcher } from "undici";

/**
 * The JSON object an API server answers. Anything else listening on the address (a wrong --server,
 * a proxy's HTML error page) answers with text: that is an Error naming the address, never a SyntaxError.
 */
export async function readApiJson(
  response: Dispatcher.ResponseData<unknown>,
  apiUrl: string,
): Promise<Record<string, unknown>> {
  const text = await response.body.text().catch((error: Error) => {
    throw new Error(`reading the answer of the testbed API server at ${apiUrl}: ${error.message}`);
  });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the check below reports it.
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const start = text.trim().slice(0, 80);
    throw new Error(
      `${apiUrl} does not answer like the testbed API server (HTTP ${response.statusCode}, not a JSON object: '${start}')`,
    );
  }
  return value as Record<string, unknown>;
}

/** The Authorization header for the API server's bearer token (none when it requires none). */
export function bearerHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
