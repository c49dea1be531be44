// `oc exec [-n NS] POD|deploy/NAME [-c C] -- CMD ARGS…`: prints the command's stdout and stderr and
// passes its exit code through, with kubectl's "command terminated with exit code N".
import { flag } from "../args.js";
import type { OcContext } from "../context.js";
import { OcError } from "../errors.js";
import { selectContainer, selectPod } from "../pod-selection.js";

export async function execVerb(context: OcContext): Promise<number> {
  const { args, io } = context;
  const [reference, ...legacyCommand] = args.positionals;
  const command = args.command.length > 0 ? args.command : legacyCommand;
  if (!reference) throw new OcError("pod, type/name or --filename must be specified");
  if (command.length === 0) throw new OcError("you must specify at least one command for the container");
  const pod = await selectPod(context, reference);
  const container = selectContainer(context, pod, flag(args, "container"));
  const client = await context.client();
  const result = await client.exec(pod.metadata.namespace ?? context.namespace, pod.metadata.name, container, command);
  io.out(result.stdout);
  if (result.stderr !== "") io.err(result.stderr);
  if (result.exitCode !== 0) io.err(`command terminated with exit code ${result.exitCode}\n`);
  return result.exitCode;
}
