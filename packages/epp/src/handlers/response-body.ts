// A buffered (non-streaming) response body on its way back to the client. GIE ≥ v1.5 rewrites the
// `model` of a JSON response back to the name the client asked for when the request's model was
// rewritten; anything else (other versions, no rewrite, a body that is not a JSON object) goes back
// byte for byte.
import type { EmulatedVersion } from "../emulation/emulated-version.js";
import { goMarshal, goUnmarshal } from "../emulation/go-json.js";

export function responseBodyBack(
  version: EmulatedVersion,
  body: Buffer,
  models: { client: string; target: string } | undefined,
): Buffer {
  if (!version.rewriteResponseModel || !models || models.client === models.target) return body;
  const decoded = goUnmarshal(body);
  if (!("value" in decoded)) return body;
  const parsed = decoded.value;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return body;
  const object = parsed as Record<string, unknown>;
  if (object.model !== models.target) return body;
  return Buffer.from(goMarshal({ ...object, model: models.client }), "utf8");
}
