// What every verb gets: the parsed command line, the API client and where to write.
import { type KindInfo, readServerAddress, resolveResource, serverAddressFile } from "@testbed/apimachinery";
import { ApiClient } from "./api-client.js";
import { flag, type OcArgs } from "./args.js";
import { OcError } from "./errors.js";

export interface OcIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  /** Wall-clock now, for AGE columns. */
  now(): number;
}

export interface OcContext {
  args: OcArgs;
  io: OcIo;
  /** `-n`, else the `default` namespace (oc's current project). */
  namespace: string;
  /** Whether `-n` was given (objects from files keep their own namespace otherwise). */
  explicitNamespace: boolean;
  client(): Promise<ApiClient>;
}

export function createContext(args: OcArgs, io: OcIo): OcContext {
  const namespace = flag(args, "namespace");
  let client: ApiClient | undefined;
  return {
    args,
    io,
    namespace: namespace ?? "default",
    explicitNamespace: namespace !== undefined,
    async client() {
      if (client) return client;
      const address = await readServerAddress(flag(args, "server"), io.env);
      if (!address) {
        throw new OcError(
          `no testbed API server found: pass --server URL, set TESTBED_SERVER, or start a testbed with \`npx testbed up\` ` +
            `(it writes its address to ${serverAddressFile(io.env)})`,
        );
      }
      client = new ApiClient(address);
      return client;
    },
  };
}

/** `pods`, `po`, `deploy`, `inferencepool.inference.networking.x-k8s.io` → the kind. */
export function resolveKind(text: string): KindInfo {
  const info = resolveResource(text);
  if (!info) throw new OcError(`the server doesn't have a resource type "${text}"`);
  return info;
}

export interface Target {
  info: KindInfo;
  name?: string;
}

/**
 * oc's resource arguments: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME …`.
 */
export function resolveTargets(positionals: readonly string[]): Target[] {
  const [first, ...rest] = positionals;
  if (first === undefined) throw new OcError("you must specify the type of resource to get");
  if (first.includes("/")) {
    return positionals.map((arg) => {
      const slash = arg.indexOf("/");
      if (slash < 0)
        throw new OcError(
          `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'oc get resource/<resource_name>' instead of 'oc get resource resource/<resource_name>'`,
        );
      return { info: resolveKind(arg.slice(0, slash)), name: arg.slice(slash + 1) };
    });
  }
  const kinds = first
    .split(",")
    .filter((t) => t !== "")
    .map(resolveKind);
  if (rest.length === 0) return kinds.map((info) => ({ info }));
  return kinds.flatMap((info) => rest.map((name) => ({ info, name })));
}
