// `testbed kubeconfig`: the path of the kubeconfig the running testbed wrote, so the user's own
// kubectl, oc and helm reach it: `export KUBECONFIG=$(npx testbed kubeconfig)`.
import { existsSync } from "node:fs";
import { kubeconfigFile, testbedHome } from "@testbed/apimachinery";
import type { Command } from "../command.js";

const USAGE = `usage: testbed kubeconfig

Print the path of the kubeconfig \`testbed up\` writes ($TESTBED_HOME/kubeconfig, mode 0600): its API
server address and bearer token. Use it with your own kubectl, oc or helm:

  export KUBECONFIG=$(npx testbed kubeconfig)`;

export const kubeconfigCommand: Command = {
  name: "kubeconfig",
  summary: "print the path of the running testbed's kubeconfig (for your own kubectl, oc, helm)",
  async run(argv) {
    if (argv.includes("-h") || argv.includes("--help")) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (argv.length > 0) {
      process.stderr.write(`testbed kubeconfig: unexpected argument '${argv[0]}'\n${USAGE}\n`);
      return 2;
    }
    const file = kubeconfigFile();
    if (!existsSync(file)) {
      process.stderr.write(
        `testbed kubeconfig: no kubeconfig at ${file}: start a testbed with \`npx testbed up\` (TESTBED_HOME=${testbedHome()})\n`,
      );
      return 1;
    }
    process.stdout.write(`${file}\n`);
    return 0;
  },
};
