import { DEFAULT_TOPOLOGY } from "@testbed/cli";
import { startTestbed, type TestbedHandle, type TestbedOptions } from "@testbed/cluster";
import { captureOc } from "@testbed/oc";
import { Agent, request } from "undici";

/**
 * What the cluster end-to-end tests share: the rhoai-3.2 topology on its own subnet, `testbed oc`
 * run in process against it (the CLI's own code path, output captured), and the seed's requests
 * through a gateway. Each test file passes a distinct subnet so files can run side by side.
 */
export type { CapturedOc as OcResult } from "@testbed/oc";

import type { CapturedOc as OcResult } from "@testbed/oc";

export interface SeedTestbed {
  testbed: TestbedHandle;
  /** `testbed oc …` with `--server` set; `stdin` feeds `-f -`. */
  oc(...argv: string[]): Promise<OcResult>;
  ocWithStdin(stdin: string, ...argv: string[]): Promise<OcResult>;
  /** `status.addresses[0].value` of a Gateway in openshift-ingress, read as the seed does. */
  gatewayAddress(name: string): Promise<string>;
  /** The first pod of a Gateway, selected by `gateway.networking.k8s.io/gateway-name` as the seed does. */
  gatewayPod(name: string): Promise<string>;
  /** `pilot-agent request GET <path>` in a gateway pod's istio-proxy container. */
  envoyAdmin(gateway: string, path: string): Promise<string>;
  close(): Promise<void>;
}

export const CHAT_PATH = "/my-first-model/qwen3-0-6b/v1/chat/completions";
export const EPP_CLUSTER = "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local";
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

export async function startSeedTestbed(subnet: number, options: Partial<TestbedOptions> = {}): Promise<SeedTestbed> {
  const testbed = await startTestbed({
    topology: DEFAULT_TOPOLOGY,
    apiPort: 0,
    timeScale: 0,
    subnet,
    restartBackoffMs: 100,
    probePeriodMs: 100,
    ...options,
  });
  await testbed.waitUntilReady(20_000);
  const ocWithStdin = (stdin: string, ...argv: string[]): Promise<OcResult> => captureOc(testbed.api.url, argv, stdin);
  const oc = (...argv: string[]) => ocWithStdin("", ...argv);
  const gatewayPod = async (name: string) =>
    (
      await oc(
        "get",
        "pods",
        "-n",
        "openshift-ingress",
        "-l",
        `gateway.networking.k8s.io/gateway-name=${name}`,
        "-o",
        "jsonpath={.items[0].metadata.name}",
      )
    ).out;
  return {
    testbed,
    oc,
    ocWithStdin,
    gatewayPod,
    gatewayAddress: async (name) =>
      (await oc("get", "gateway", name, "-n", "openshift-ingress", "-o", "jsonpath={.status.addresses[0].value}")).out,
    envoyAdmin: async (gateway, path) =>
      (
        await oc(
          "exec",
          "-n",
          "openshift-ingress",
          await gatewayPod(gateway),
          "-c",
          "istio-proxy",
          "--",
          "pilot-agent",
          "request",
          "GET",
          path,
        )
      ).out,
    close: () => testbed.close(),
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request through a gateway, certificate not verified (`curl -sk`). */
export async function send(
  url: string,
  options: { method?: "GET" | "POST"; body?: string; apiKey?: string } = {},
): Promise<HttpAnswer> {
  const response = await request(url, {
    method: options.method ?? (options.body ? "POST" : "GET"),
    dispatcher: insecure,
    headers: {
      "content-type": "application/json",
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    },
    ...(options.body ? { body: options.body } : {}),
  });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** The seed's chat completion body. */
export function chatBody(content = "Hi", maxTokens = 5): string {
  return JSON.stringify({ model: "Qwen/Qwen3-0.6B", messages: [{ role: "user", content }], max_tokens: maxTokens });
}

/** A stat of the EPP's cluster in `/clusters` output, summed over its hosts. */
export function eppStat(clusters: string, stat: string): number {
  return clusters
    .split("\n")
    .filter((line) => line.startsWith(`${EPP_CLUSTER}::`) && line.includes(`::${stat}::`))
    .reduce((total, line) => total + Number(line.split("::").pop()), 0);
}
