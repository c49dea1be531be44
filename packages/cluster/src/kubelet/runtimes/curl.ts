// The curlimages/curl image: one curl run, its answer as the container's log, its exit code as the container's.
import { execCommon } from "../exec-commands.js";
import { resolveServiceHost } from "../service-dns.js";
import type { ContainerImage } from "./container-runtime.js";

/**
 * `curlimages/curl`: its entrypoint runs curl with the container's arguments (a first argument
 * naming curl itself, as in `kubectl run … -- curl -sk URL`, runs as given). The testbed's curl
 * (exec-commands.ts) does the request; its output is the container's log, its exit code the
 * container's, so `kubectl run --rm -it --restart=Never` shows the answer and ends.
 */
export const curlImage: ContainerImage = {
  name: "curl",
  matches: (repository) => repository === "curl",
  async start(context) {
    const argv = context.argv[0]?.split("/").pop() === "curl" ? context.argv : ["curl", ...context.argv];
    let stopped = false;
    void execCommon(argv, {
      podIP: context.podIP,
      env: context.env,
      fs: context.fs,
      resolveHost: (host) => resolveServiceHost(context.cluster.store, host),
      kill: () => {},
    }).then((result) => {
      if (stopped) return;
      const output = `${result.stdout}${result.stderr}`;
      if (output !== "") context.log(output.replace(/\n$/, ""));
      context.exited(result.exitCode, result.exitCode === 0 ? "Completed" : "Error");
    });
    return {
      stop: async () => {
        stopped = true;
      },
    };
  },
};
