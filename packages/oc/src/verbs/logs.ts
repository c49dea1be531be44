// `oc logs [-f] [--tail N] [-c C] POD|pod/NAME|deploy/NAME [CONTAINER]`.
import { booleanFlag, flag } from "../args.js";
import type { OcContext } from "../context.js";
import { OcError } from "../errors.js";
import { selectContainer, selectPod } from "../pod-selection.js";

export async function logsVerb(context: OcContext): Promise<number> {
  const { args, io } = context;
  const [reference, positionalContainer] = args.positionals;
  if (!reference) {
    throw new OcError(
      "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n" +
        "POD or TYPE/NAME is a required argument for the logs command\n" +
        "See 'oc logs -h' for help and examples",
    );
  }
  const tailText = flag(args, "tail");
  const tail = tailText === undefined ? undefined : Number(tailText);
  if (tail !== undefined && !Number.isInteger(tail))
    throw new OcError(`invalid argument "${tailText}" for "--tail" flag`);
  const pod = await selectPod(context, reference);
  const container = selectContainer(context, pod, flag(args, "container") ?? positionalContainer);
  const client = await context.client();
  const follow = booleanFlag(args, "follow");
  const response = await client.logs(pod.metadata.namespace ?? context.namespace, pod.metadata.name, {
    ...(container ? { container } : {}),
    ...(tail !== undefined && tail >= 0 ? { tail } : {}),
    follow,
  });
  if (!follow) {
    io.out(await response.text());
    return 0;
  }
  const decoder = new TextDecoder();
  for await (const chunk of response.body) io.out(decoder.decode(chunk, { stream: true }));
  return 0;
}
