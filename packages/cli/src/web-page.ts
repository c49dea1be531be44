// `testbed up`'s workshop page (packages/web): loaded only when `up` starts it, started once the
// cluster is up so it never delays the banner by more than its own listen. It reads the testbed in
// this process: the object store, the kubelet's pod logs, and the pods' HTTP endpoints.
import type { TestbedHandle } from "@testbed/cluster";
import { systemClock } from "@testbed/common";
import type { EnvoyVersion } from "@testbed/gateway";
import type { TraceReader } from "@testbed/web";

/** The page's default port on 127.0.0.1; taken → any free port (the banner says which). */
export const DEFAULT_WEB_PORT = 9080;

export interface WebPage {
  url: string;
  close(): Promise<void>;
}

export async function startWebPage(
  testbed: TestbedHandle,
  envoyVersion: EnvoyVersion,
  port: number,
  traces: TraceReader | undefined,
): Promise<WebPage> {
  const { fetchPodText, startWebServer } = await import("@testbed/web");
  const sources = {
    store: testbed.store,
    logs: testbed.kubelet,
    fetchText: fetchPodText,
    envoyVersion,
    traces,
    clock: systemClock,
  };
  try {
    return await startWebServer({ sources, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || port === 0) throw error;
    return startWebServer({ sources, port: 0 });
  }
}
