// `testbed scenario init NAME`: a case folder to start reproducing a customer's cluster from — the
// shipped topology to edit, a manifests/ folder for what the customer sent, and a commented scenario.
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { TOPOLOGIES_DIR } from "./repository.js";

/** The topology a new case starts from. */
const STARTING_TOPOLOGY = "rhoai-3.2";

export class CaseFolderExistsError extends Error {}

/** Write the case folder; refuses a folder that exists and is not empty. */
export function initCase(folder: string): string[] {
  if (existsSync(folder) && readdirSync(folder).length > 0) {
    throw new CaseFolderExistsError(`${folder} exists and is not empty`);
  }
  mkdirSync(join(folder, "manifests"), { recursive: true });
  cpSync(join(TOPOLOGIES_DIR, STARTING_TOPOLOGY), join(folder, "topology"), { recursive: true });
  writeFileSync(join(folder, "manifests", ".gitkeep"), "");
  writeFileSync(join(folder, "scenario.yaml"), skeleton(basename(folder)));
  return ["scenario.yaml", "topology/", "manifests/"];
}

function skeleton(name: string): string {
  return `# A case folder: this scenario, the cluster it starts from (topology/, a copy of the shipped
# ${STARTING_TOPOLOGY} topology — edit it to look like the customer's) and manifests/ for what the customer
# sent. Paths below are relative to this folder (then to the testbed's repository: manifests/08-… still
# names the shipped fixes). Run it from anywhere: npx testbed scenario run ./${name}/
# Format: the testbed's scenarios/README.md.
name: ${name}
title: ${name} — the customer's symptom, reproduced
description: |
  What the customer reported, and what this case shows.
# topology: topology          # the default for a case folder that has topology/
# istio: "1.26"               # the customer's Istio release, when the testbed models it
# readiness: settled          # all (default): wait for every pod Ready; settled: start even if pods crash; none
steps:
  - note: Replace these steps with the customer's.
  - oc: get pods -n my-first-model
    expect: { exitCode: 0 }
  # - apply: manifests/customer-envoyfilter.yaml
  # - request: { gateway: openshift-ai-inference, path: /my-first-model/qwen3-0-6b/v1/models }
  #   expect: { status: 200 }
  # - expect:
  #     pod: { namespace: my-first-model, selector: app.kubernetes.io/name=qwen3-0-6b, status: CrashLoopBackOff }
  #     logs: { namespace: my-first-model, selector: app.kubernetes.io/name=qwen3-0-6b, contains: "No available memory" }
  #     event: { namespace: my-first-model, reason: BackOff }
`;
}
