// `oc describe TYPE [NAME…]` / `TYPE/NAME`: one description per object, separated by a blank line.
import type { KindInfo, KubeObject } from "@testbed/apimachinery";
import { resolveResource } from "@testbed/apimachinery";
import { booleanFlag, flag } from "../args.js";
import { type OcContext, resolveTargets } from "../context.js";
import { describeObject } from "../describe.js";

export async function describeVerb(context: OcContext): Promise<number> {
  const { args, io } = context;
  const client = await context.client();
  const allNamespaces = booleanFlag(args, "all-namespaces");
  const objects: Array<{ info: KindInfo; object: KubeObject }> = [];
  for (const target of resolveTargets(args.positionals)) {
    const namespace = allNamespaces || !target.info.namespaced ? undefined : context.namespace;
    const found = target.name
      ? [await client.get(target.info, namespace, target.name)]
      : await client.list(target.info, namespace, flag(args, "selector"));
    objects.push(...found.map((object) => ({ info: target.info, object })));
  }
  if (objects.length === 0) {
    io.err(allNamespaces ? "No resources found\n" : `No resources found in ${context.namespace} namespace.\n`);
    return 0;
  }
  const eventKind = resolveResource("events") as KindInfo;
  const texts: string[] = [];
  for (const { object } of objects) {
    const events = (await client.list(eventKind, object.metadata.namespace)).filter((event) => {
      const involved = (event.involvedObject ?? {}) as { kind?: string; name?: string };
      return involved.kind === object.kind && involved.name === object.metadata.name;
    });
    texts.push(describeObject(object, events, io.now()));
  }
  io.out(texts.join("\n\n"));
  return 0;
}
