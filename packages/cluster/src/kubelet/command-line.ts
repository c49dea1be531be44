import { parse } from "shell-quote";
import { type DownwardPod, fieldRefValue } from "./downward-api.js";

/**
 * A container's argv as the container would run it: `command` + `args`, with Kubernetes'
 * `$(VAR)` references expanded from the container's env, and — when the command is a shell
 * (`/bin/bash -c "…"`, as KServe's vLLM preset is) — the script split the way the shell would,
 * with `${VAR}` / `$VAR` expanded and a leading `exec` / `eval` dropped.
 */
export function containerArgv(
  command: readonly string[] | undefined,
  args: readonly string[] | undefined,
  env: Record<string, string>,
): string[] {
  const argv = [...(command ?? []), ...(args ?? [])].map((arg) => expandKubernetesRefs(arg, env));
  const shell = argv[0]?.split("/").pop();
  if ((shell === "bash" || shell === "sh") && argv[1] === "-c" && argv[2] !== undefined) {
    return splitScript(argv[2], env);
  }
  return argv;
}

/** `$(VAR)` → value; `$$(VAR)` → literal `$(VAR)`; unknown references stay as written (as the kubelet does). */
function expandKubernetesRefs(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$\(|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$(") return "$(";
    return name !== undefined && Object.hasOwn(env, name) ? (env[name] ?? "") : match;
  });
}

function splitScript(script: string, env: Record<string, string>): string[] {
  let words = shellWords(script, env);
  // `eval "vllm serve …"` re-parses its argument: split it again.
  while (words[0] === "eval" || words[0] === "exec") {
    words = words[0] === "eval" ? shellWords(words.slice(1).join(" "), env) : words.slice(1);
  }
  return words;
}

/**
 * Expand variables as text first, then split: that is what `eval` does with its argument, and it
 * gives an unquoted `${VLLM_ADDITIONAL_ARGS}` the shell's word splitting.
 */
function shellWords(script: string, env: Record<string, string>): string[] {
  const expanded = script.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced, bare) => {
    return env[(braced ?? bare) as string] ?? "";
  });
  return parse(expanded).filter((word): word is string => typeof word === "string");
}

/**
 * A container's env as a map. Given the pod, `valueFrom.fieldRef` is resolved as the kubelet's
 * downward API does; other valueFrom references (Secrets, ConfigMaps, resources) are not.
 */
export function containerEnv(
  env: ReadonlyArray<{ name: string; value?: string; valueFrom?: unknown }> | undefined,
  pod?: DownwardPod,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const variable of env ?? []) {
    const fromPod = pod && variable.valueFrom !== undefined ? fieldRefValue(variable.valueFrom, pod) : undefined;
    result[variable.name] = fromPod ?? variable.value ?? "";
  }
  return result;
}
