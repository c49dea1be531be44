// The entry point of a pod's own process (`testbed up --isolation process`): it runs the pod's
// containers with the same container images as in-process mode, reading the store through a
// mirror and gateway configs through a hub that the kubelet feeds over IPC.
import { systemClock } from "@testbed/common";
import { MeshConfigHub } from "../../controllers/mesh-config-hub.js";
import { setPrivilegedPorts } from "../../network/ports.js";
import { PodFilesystem } from "../pod-filesystem.js";
import { ContainerStartError, type RunningContainer } from "../runtimes/container-runtime.js";
import { TESTBED_IMAGES } from "../runtimes/images.js";
import { MirrorStore } from "./mirror-store.js";
import type { FromPodHost, PodHostSetup, ToPodHost } from "./pod-host-protocol.js";

const send = (message: FromPodHost) => process.send?.(message);
const running = new Map<string, RunningContainer>();
let setup: PodHostSetup | undefined;
let store: MirrorStore | undefined;
const hub = new MeshConfigHub();
// A pod in its own process runs on the wall clock: a simulated clock cannot be shared across processes.
const clock = systemClock;
let fs: PodFilesystem | undefined;

process.on("message", (message: ToPodHost) => {
  void handle(message).catch((error) => {
    process.stderr.write(`pod host: ${(error as Error).stack ?? error}\n`);
  });
});
// The kubelet went away: nothing is left to serve.
process.on("disconnect", () => process.exit(0));

async function handle(message: ToPodHost): Promise<void> {
  switch (message.type) {
    case "setup":
      setup = message.setup;
      setPrivilegedPorts(setup.privilegedPorts);
      store = new MirrorStore(setup.objects);
      fs = new PodFilesystem(setup.fsRoot);
      for (const mount of setup.mounts) fs.mountHostPath(mount.mountPath, mount.hostPath);
      return;
    case "watch":
      store?.apply(message.event);
      return;
    case "mesh":
      hub.publish(message.key, message.config);
      return;
    case "start":
      return start(message);
    case "stop": {
      const container = running.get(message.container);
      running.delete(message.container);
      await container?.stop().catch(() => {});
      send({ type: "stopped", container: message.container });
      return;
    }
    case "exec": {
      const result = (await running.get(message.container)?.exec?.(message.argv)) ?? null;
      send({ type: "execResult", id: message.id, result });
      return;
    }
  }
}

async function start(message: Extract<ToPodHost, { type: "start" }>): Promise<void> {
  if (!setup || !store || !fs) throw new Error("pod host: start before setup");
  const image = TESTBED_IMAGES.find((candidate) => candidate.name === message.image);
  if (!image) {
    send({ type: "failed", container: message.container, code: 1, message: `no image ${message.image}` });
    return;
  }
  const name = message.container;
  try {
    const container = await image.start({
      pod: setup.pod,
      container: message.spec,
      argv: message.argv,
      env: message.env,
      podIP: setup.podIP,
      node: setup.node,
      fs,
      log: (line) => send({ type: "log", container: name, line }),
      cluster: { store, hub, envoyVersion: setup.envoyVersion, clock, timeScale: setup.timeScale, seed: setup.seed },
      exited: (code, text) => {
        running.delete(name);
        send({ type: "exited", container: name, code, message: text });
      },
    });
    running.set(name, container);
    send({ type: "started", container: name });
  } catch (error) {
    const code = error instanceof ContainerStartError ? error.exitCode : 1;
    send({ type: "failed", container: name, code, message: (error as Error).message });
  }
}
