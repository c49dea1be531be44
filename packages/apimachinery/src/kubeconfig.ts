// The kubeconfig `testbed up` writes beside its server file, so the user's own kubectl, oc, helm and
// client libraries reach the testbed: `export KUBECONFIG=$(npx testbed kubeconfig)`. One cluster,
// one user with the API server's bearer token, one context whose namespace is `default`. Mode
// 0600 as kubectl writes its own (the token is a credential).
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { testbedHome } from "./server-address.js";

export const KUBECONFIG_CONTEXT = "testbed";

export function kubeconfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(testbedHome(env), "kubeconfig");
}

/** The kubeconfig's YAML (JSON strings are YAML scalars, so no value needs escaping by hand). */
export function kubeconfigText(url: string, token: string, ca?: string): string {
  const q = (value: string) => JSON.stringify(value);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${KUBECONFIG_CONTEXT}`,
    "  cluster:",
    `    server: ${q(url)}`,
    ...(ca ? [`    certificate-authority-data: ${Buffer.from(ca).toString("base64")}`] : []),
    "users:",
    `- name: ${KUBECONFIG_CONTEXT}-admin`,
    "  user:",
    `    token: ${q(token)}`,
    "contexts:",
    `- name: ${KUBECONFIG_CONTEXT}`,
    "  context:",
    `    cluster: ${KUBECONFIG_CONTEXT}`,
    `    user: ${KUBECONFIG_CONTEXT}-admin`,
    "    namespace: default",
    `current-context: ${KUBECONFIG_CONTEXT}`,
    "preferences: {}",
    "",
  ].join("\n");
}

/** Write the kubeconfig for this API server and token; returns its path. */
export async function writeKubeconfig(
  url: string,
  token: string,
  ca?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const file = kubeconfigFile(env);
  await mkdir(dirname(file), { recursive: true });
  await rm(file, { force: true });
  await writeFile(file, kubeconfigText(url, token, ca), { encoding: "utf8", mode: 0o600 });
  return file;
}
