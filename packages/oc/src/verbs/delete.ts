// `oc delete TYPE NAME…`, `TYPE/NAME`, `-f FILE`, or `TYPE -l SELECTOR` / `--all`.
import { type KindInfo, kindFor, loadManifests } from "@testbed/apimachinery";
import { StatusError } from "../api-client.js";
import { booleanFlag, flag, flags } from "../args.js";
import { type OcContext, resolveTargets } from "../context.js";
import { formatError, OcError } from "../errors.js";

interface Doomed {
  info: KindInfo;
  namespace: string | undefined;
  name: string;
}

export async function deleteVerb(context: OcContext): Promise<number> {
  const { io, args } = context;
  const client = await context.client();
  const doomed = await collect(context);
  let failed = false;
  for (const item of doomed) {
    try {
      await client.delete(item.info, item.namespace, item.name);
      io.out(`${singularResource(item.info)} "${item.name}" deleted\n`);
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      if (error.reason === "NotFound" && booleanFlag(args, "ignore-not-found")) continue;
      io.err(`${formatError(error)}\n`);
      failed = true;
    }
  }
  return failed ? 1 : 0;
}

/** kubectl names the deleted object by singular resource: `pod "x" deleted`, `envoyfilter.networking.istio.io "x" deleted`. */
function singularResource(info: KindInfo): string {
  return `${info.singular}${info.group ? `.${info.group}` : ""}`;
}

async function collect(context: OcContext): Promise<Doomed[]> {
  const { args, io } = context;
  const files = flags(args, "filename");
  if (files.length > 0) {
    const doomed: Doomed[] = [];
    for (const file of files) {
      for (const { object } of await loadManifests(file, io.readStdin)) {
        const info = kindFor(object.apiVersion, object.kind);
        if (!info) throw new OcError(`no matches for kind "${object.kind}" in version "${object.apiVersion}"`);
        const namespace = info.namespaced ? (object.metadata.namespace ?? context.namespace) : undefined;
        doomed.push({ info, namespace, name: object.metadata.name });
      }
    }
    return doomed;
  }
  const targets = resolveTargets(args.positionals);
  const selector = flag(args, "selector");
  const all = booleanFlag(args, "all");
  const client = await context.client();
  const doomed: Doomed[] = [];
  for (const target of targets) {
    const namespace = target.info.namespaced ? context.namespace : undefined;
    if (target.name) {
      doomed.push({ info: target.info, namespace, name: target.name });
      continue;
    }
    if (selector === undefined && !all) {
      throw new OcError("resource(s) were provided, but no name was specified");
    }
    for (const object of await client.list(target.info, namespace, selector)) {
      doomed.push({ info: target.info, namespace: object.metadata.namespace, name: object.metadata.name });
    }
  }
  return doomed;
}
