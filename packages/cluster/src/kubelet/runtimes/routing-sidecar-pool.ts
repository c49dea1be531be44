// The pd-sidecar's InferencePool options (llm-d pkg/sidecar/proxy/options.go): Complete splits
// --inference-pool (flag, else INFERENCE_POOL) into namespace and name, overriding the deprecated
// --inference-pool-namespace/-name (flags, else INFERENCE_POOL_NAMESPACE/_NAME); Validate refuses a
// malformed --inference-pool whether SSRF protection is on or not, then, with protection on, a
// missing namespace or name; NewAllowlistValidator refuses a --pool-group it has no version for.
import { type PoolRef, SIDECAR_POOL_GROUPS, unsupportedPoolGroup } from "../../discovery/pool-members.js";
import { ContainerStartError } from "./container-runtime.js";

export type SidecarFlags = Record<string, string | boolean | undefined>;

/** vllm-sim's Options.Validate check of the pool's namespace and name (shared with the simulator's sidecar). */
export type SsrfConfigurationError = (namespace: string | undefined, name: string | undefined) => string | undefined;

/** The pool the SSRF allow-list watches, or undefined when protection is off. */
export function sidecarPool(
  argv: readonly string[],
  values: SidecarFlags,
  env: Readonly<Record<string, string>>,
  ssrfConfigurationError: SsrfConfigurationError,
): PoolRef | undefined {
  const combined = stringFlag(values["inference-pool"]) ?? env.INFERENCE_POOL ?? "";
  const malformed = inferencePoolFormatError(combined);
  if (malformed) throw new ContainerStartError(malformed, 1);
  if (!goBoolFlag(argv, "enable-ssrf-protection")) return undefined;
  let namespace = stringFlag(values["inference-pool-namespace"]) ?? env.INFERENCE_POOL_NAMESPACE;
  let name = stringFlag(values["inference-pool-name"]) ?? env.INFERENCE_POOL_NAME;
  if (combined !== "") {
    // strings.SplitN(pool, "/", 2): a single name implies the "default" namespace.
    const slash = combined.indexOf("/");
    namespace = slash === -1 ? "default" : combined.slice(0, slash);
    name = slash === -1 ? combined : combined.slice(slash + 1);
  }
  const problem = ssrfConfigurationError(namespace, name);
  if (problem) throw new ContainerStartError(problem, 1);
  const group = stringFlag(values["pool-group"]) ?? SIDECAR_POOL_GROUPS[0];
  const unsupported = unsupportedPoolGroup(group);
  if (unsupported) throw new ContainerStartError(unsupported, 1);
  return { group, namespace: namespace as string, name: name as string };
}

/** Validate's check of --inference-pool: `namespace/name` or `name`, no empty part. */
function inferencePoolFormatError(pool: string): string | undefined {
  if (pool === "") return undefined;
  const parts = pool.split("/");
  if (parts.length > 2) return "--inference-pool must be in format 'namespace/name' or 'name', not multiple slashes";
  if (parts.includes("")) return "--inference-pool cannot have empty namespace or name";
  return undefined;
}

/** A string flag as given (pflag's value replaces the environment's default, even when empty). */
function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A pflag boolean: `--flag` or `--flag=<strconv.ParseBool>`; the last occurrence wins. */
function goBoolFlag(argv: readonly string[], name: string): boolean {
  let on = false;
  for (const arg of argv) {
    if (arg === `--${name}`) on = true;
    else if (arg.startsWith(`--${name}=`))
      on = ["1", "t", "T", "true", "TRUE", "True"].includes(arg.slice(name.length + 3));
  }
  return on;
}
