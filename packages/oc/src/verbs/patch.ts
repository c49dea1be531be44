// `oc patch TYPE NAME --type=json|merge|strategic -p '…'` (strategic is sent as such and merged by the server).
import { objectReference } from "@testbed/apimachinery";
import { parse as parseYaml } from "yaml";
import type { PatchKind } from "../api-client.js";
import { flag } from "../args.js";
import { type OcContext, resolveTargets } from "../context.js";
import { OcError } from "../errors.js";

const PATCH_KINDS: PatchKind[] = ["json", "merge", "strategic"];

export async function patchVerb(context: OcContext): Promise<number> {
  const { args, io } = context;
  const type = (flag(args, "type") ?? "strategic") as PatchKind;
  if (!PATCH_KINDS.includes(type)) {
    throw new OcError(`--type must be one of [json merge strategic], not "${type}"`);
  }
  const text = flag(args, "patch");
  if (text === undefined || text.trim() === "") throw new OcError("must specify -p to patch");
  const body = JSON.stringify(parsePatch(text));
  const targets = resolveTargets(args.positionals);
  const client = await context.client();
  for (const target of targets) {
    if (!target.name) throw new OcError("resource(s) were provided, but no name was specified");
    const namespace = target.info.namespaced ? context.namespace : undefined;
    const before = await client.get(target.info, namespace, target.name);
    const after = await client.patch(target.info, namespace, target.name, type, body);
    const unchanged = before.metadata.resourceVersion === after.metadata.resourceVersion;
    io.out(`${objectReference(target.info, target.name)} patched${unchanged ? " (no change)" : ""}\n`);
  }
  return 0;
}

/** -p takes JSON or YAML, as oc does. */
function parsePatch(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return parseYaml(text);
    } catch (error) {
      throw new OcError(`unable to parse "${text}": ${(error as Error).message}`);
    }
  }
}
