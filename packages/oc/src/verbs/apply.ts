// `oc apply -f` / `oc create -f`: file, directory or `-` for stdin; everything validated before anything is written.
import { applyManifests, loadManifests, type Manifest } from "@testbed/apimachinery";
import { flags } from "../args.js";
import type { OcContext } from "../context.js";
import { OcError } from "../errors.js";

export async function applyVerb(context: OcContext, createOnly = false): Promise<number> {
  const { args, io } = context;
  const paths = flags(args, "filename");
  if (paths.length === 0) throw new OcError("must specify one of -f and -k");
  const manifests: Manifest[] = [];
  for (const path of paths) manifests.push(...(await loadManifests(path, io.readStdin)));
  if (manifests.length === 0) throw new OcError("no objects passed to apply");
  const client = await context.client();
  const results = await applyManifests(client.target(), manifests, {
    ...(context.explicitNamespace ? { namespace: context.namespace } : {}),
    createOnly,
    recordLastApplied: !createOnly,
  });
  for (const result of results) io.out(`${result.reference} ${result.action}\n`);
  return 0;
}
