// `testbed oc`: the shell's entry to @testbed/oc, which loads only what a Kubernetes client needs.
import { processIo, runOc } from "@testbed/oc";
import type { Command } from "../command.js";

export const ocCommand: Command = {
  name: "oc",
  summary: "oc for the running testbed: get, describe, apply, create, patch, delete, logs, exec",
  run: (argv) => runOc(argv, processIo()),
};
