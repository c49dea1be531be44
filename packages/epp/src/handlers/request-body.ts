// The request body the EPP sends upstream: every released EPP parses it into a Go map and marshals it
// again (keys sorted, `<>&` escaped), with the model replaced by the rewrite target; llm-d-router
// after c51b75a1d forwards the original bytes unless it must change the model.
import type { EmulatedVersion } from "../emulation/emulated-version.js";
import { goMarshal } from "../emulation/go-json.js";

export function upstreamBody(
  version: EmulatedVersion,
  sent: Buffer,
  parsed: Record<string, unknown>,
  clientModel: string,
  targetModel: string,
  priority: number,
): Buffer {
  const rewritten = clientModel !== targetModel;
  if (version.requestBody === "as-sent" && !rewritten && !version.injectPriority) return sent;
  const body: Record<string, unknown> = { ...parsed, model: targetModel };
  if (version.injectPriority) body.priority = priority;
  return Buffer.from(goMarshal(body), "utf8");
}
