// exec, attach and port-forward over WebSocket, judged by the real kubectl (WebSocket first since 1.30).
import { connect, createServer, type Server } from "node:net";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "../../../test/real-clients.js";
import { type ApiServerHandle, startApiServer } from "../src/api/api-server.js";
import { createApiServingCert } from "../src/api/api-serving-cert.js";
import type { PodAccess } from "../src/api/pod-access.js";
import { ObjectStore } from "../src/store/object-store.js";
import { kubeconfigFor, runClient, startClient } from "./real-kubectl.js";

const TOKEN = "stream-token";
const store = new ObjectStore();
let server: ApiServerHandle;
let kubeconfig: string;
let echo: Server;
let echoPort: number;
const logLines = ["first line", "second line"];
const followers = new Set<(line: string) => void>();

const podAccess: PodAccess = {
  logs: () => [...logLines],
  followLogs: (_ns, _pod, _container, onLine) => {
    followers.add(onLine);
    return () => followers.delete(onLine);
  },
  exec: async (_ns, pod, container, command) => {
    if (command[0] === "false") return { stdout: "", stderr: "failing on purpose\n", exitCode: 3 };
    return { stdout: `${pod}/${container}: ${command.join(" ")}\n`, stderr: "a warning\n", exitCode: 0 };
  },
};

beforeAll(async () => {
  echo = createServer((socket) => socket.on("data", (data) => socket.write(`echo:${data}`)));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  echoPort = (echo.address() as { port: number }).port;
  store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "default" } });
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "vllm-0", namespace: "default" },
    spec: { containers: [{ name: "main", image: "vllm", ports: [{ containerPort: echoPort }] }] },
    status: { phase: "Running", podIP: "127.0.0.1", containerStatuses: [{ name: "main", state: { running: {} } }] },
  });
  store.create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "curl-test", namespace: "default" },
    spec: { containers: [{ name: "curl-test", image: "curlimages/curl" }] },
    status: { phase: "Running", containerStatuses: [{ name: "curl-test", state: { running: {} } }] },
  });
  server = await startApiServer({
    store,
    port: 0,
    podAccess,
    token: TOKEN,
    tls: await createApiServingCert("127.0.0.1"),
  });
  kubeconfig = kubeconfigFor(server, TOKEN);
});

afterAll(async () => {
  await server.close();
  echo.close();
});

describe.skipIf(realClientMissing("kubectl"))("the real kubectl", () => {
  it("execs a command: stdout and stderr on their streams, exit code 0", async () => {
    const run = await runClient("kubectl", kubeconfig, [
      "exec",
      "vllm-0",
      "--",
      "pilot-agent",
      "request",
      "GET",
      "/clusters",
    ]);
    expect(run).toMatchObject({
      code: 0,
      stdout: "vllm-0/main: pilot-agent request GET /clusters\n",
      stderr: "a warning\n",
    });
  });

  it("passes a non-zero exit code on, as kubectl exec does", async () => {
    const run = await runClient("kubectl", kubeconfig, ["exec", "vllm-0", "-c", "main", "--", "false"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("failing on purpose");
    expect(run.stderr).toContain("command terminated with exit code 3");
  });

  it("names a missing container as the API server does", async () => {
    const run = await runClient("kubectl", kubeconfig, ["exec", "vllm-0", "-c", "nope", "--", "ls"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("container nope is not valid for pod vllm-0");
  });

  it("attaches: the output so far, each new line, and the end when the container terminates", async () => {
    const attached = runClient("kubectl", kubeconfig, ["attach", "curl-test"]);
    await eventually(() => expect(followers.size).toBe(1));
    for (const follower of followers) follower("third line");
    const pod = store.require("Pod", "default", "curl-test");
    store.updateStatus("Pod", "default", "curl-test", {
      ...pod.status,
      phase: "Succeeded",
      containerStatuses: [{ name: "curl-test", state: { terminated: { exitCode: 0, reason: "Completed" } } }],
    });
    const run = await attached;
    expect(run.stdout).toBe("first line\nsecond line\nthird line\n");
    expect(run.code).toBe(0);
    expect(followers.size).toBe(0);
  });

  // kubectl 1.33 tunnels SPDY through a WebSocket first; with the feature off it upgrades to SPDY directly.
  for (const [way, websockets] of [
    ["SPDY tunneled in a WebSocket", "true"],
    ["a plain SPDY upgrade", "false"],
  ] as const) {
    it(`port-forwards over ${way}: bytes reach the pod's port and come back`, async () => {
      const forward = startClient("kubectl", kubeconfig, ["port-forward", "pod/vllm-0", `:${echoPort}`, "-v=4"], {
        KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets,
      });
      try {
        let localPort = 0;
        await eventually(() => {
          const match = /Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/.exec(forward.output());
          expect(match?.[2]).toBe(String(echoPort));
          localPort = Number(match?.[1]);
        });
        for (const word of ["one", "two"]) expect(await roundTrip(localPort, word)).toBe(`echo:${word}`);
        // At -v=4 kubectl logs "fallback to secondary dialer" when the WebSocket upgrade fails.
        expect(forward.output()).not.toContain("fallback to secondary dialer");
      } finally {
        forward.stop();
      }
    });
  }
});

/** Send a word through a local port and read the first answer. */
function roundTrip(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(word));
    socket.once("data", (data) => {
      resolve(String(data));
      socket.destroy();
    });
    socket.on("error", reject);
  });
}

describe.skipIf(realClientMissing("kubectl"))("kubectl logs", () => {
  it("--limit-bytes cuts the log after that many bytes", async () => {
    const run = await runClient("kubectl", kubeconfig, ["logs", "vllm-0", "--limit-bytes=8"]);
    expect(run.stdout).toBe("first li");
  });

  it("-f of a quiet container gets its headers at once and each new line as it comes", async () => {
    const follow = startClient("kubectl", kubeconfig, ["logs", "-f", "vllm-0"]);
    try {
      await eventually(() => expect(followers.size).toBe(1));
      for (const follower of followers) follower("a new line");
      await eventually(() => expect(follow.output()).toContain("a new line\n"));
    } finally {
      follow.stop();
    }
  });
});
