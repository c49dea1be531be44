import { request } from "undici";
import { bearerHeaders, readApiJson } from "./api-json.js";
import { insecureAgent } from "./insecure-agent.js";

export const GATEWAY_NAMESPACE = "openshift-ingress";
/** The gateway the seed sends inference through. */
export const DEFAULT_GATEWAY = "openshift-ai-inference";
export const DEFAULT_CHAT_PATH = "/my-first-model/qwen3-0-6b/v1/chat/completions";

/** Why a Gateway gives no address: missing, or not yet programmed. */
export class GatewayAddressError extends Error {
  override name = "GatewayAddressError";
}

/** `status.addresses[0].value` of a Gateway, as `oc get gateway NAME -n openshift-ingress -o jsonpath=…` prints it. */
/** `token`: the API server's bearer token (the testbed's server file carries it). */
export async function gatewayAddress(
  apiUrl: string,
  name: string,
  namespace = GATEWAY_NAMESPACE,
  token?: string,
): Promise<string> {
  const url = `${apiUrl.replace(/\/$/, "")}/apis/gateway.networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/gateways/${encodeURIComponent(name)}`;
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(url, {
      dispatcher: insecureAgent(),
      headers: bearerHeaders(token),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (error) {
    throw new GatewayAddressError(`cannot reach the testbed API server at ${apiUrl}: ${(error as Error).message}`);
  }
  let body: { message?: string; status?: { addresses?: Array<{ value?: string }> } };
  try {
    body = (await readApiJson(response, apiUrl)) as typeof body;
  } catch (error) {
    throw new GatewayAddressError((error as Error).message);
  }
  if (response.statusCode !== 200) {
    throw new GatewayAddressError(body.message ?? `GET gateway ${namespace}/${name}: HTTP ${response.statusCode}`);
  }
  const address = body.status?.addresses?.[0]?.value;
  if (!address) throw new GatewayAddressError(`gateway ${namespace}/${name} has no address yet (not Programmed)`);
  return address;
}

/** The chat URL behind a gateway address: `https://<address><path>`. */
export function gatewayUrl(address: string, path = DEFAULT_CHAT_PATH): string {
  return `https://${address}${path.startsWith("/") ? path : `/${path}`}`;
}
