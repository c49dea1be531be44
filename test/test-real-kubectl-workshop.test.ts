// The README's workshop commands and docs/workshop.md's, verbatim with `npx testbed oc` replaced by
// the real kubectl, in a bash that keeps the reader's variables and functions, against a testbed of
// their own: each command's output is what the pages' comments say.
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BashSession, bashBlocks, commandsOf } from "./markdown-commands.js";
import { realClientMissing } from "./real-clients.js";
import { type RealKubectl, realKubectl } from "./real-kubectl.js";
import { type SeedTestbed, startSeedTestbed } from "./seed-testbed.js";

const README = readFileSync("README.md", "utf8");
/** The pages' commands also call curl and python3 (`| python3 -m json.tool`): without them, skipped. */
const onPath = (program: string) =>
  (process.env.PATH ?? "").split(delimiter).some((dir) => existsSync(join(dir, program)));
const missing = realClientMissing("kubectl") ?? ["curl", "python3"].find((program) => !onPath(program));
const WORKSHOP = readFileSync("docs/workshop.md", "utf8");

/** The commands of a section's blocks as a kubectl user types them. */
const withKubectl = (markdown: string, heading: string) =>
  bashBlocks(markdown, heading).map((block) => commandsOf(block.replaceAll("npx testbed oc ", "kubectl ")));

let cluster: SeedTestbed;
let kubectl: RealKubectl;
let bash: BashSession;

async function open(subnet: number): Promise<void> {
  cluster = await startSeedTestbed(subnet);
  kubectl = realKubectl(cluster.testbed.api.url);
  bash = kubectl.bash();
}

async function shut(): Promise<void> {
  bash?.close();
  kubectl?.dispose();
  await cluster?.close();
}

/** Run commands in order; each must succeed. Their outputs, in order. */
async function typeIn(commands: string[]): Promise<string[]> {
  const outputs: string[] = [];
  for (const command of commands) {
    const run = await bash.run(command);
    expect({ command, code: run.code }).toEqual({ command, code: 0 });
    outputs.push(run.out);
  }
  return outputs;
}

describe.skipIf(missing)("the README's workshop with the real kubectl", () => {
  beforeAll(() => open(85), 60_000);
  afterAll(shut);

  it("quick start, then the workshop in one bug", async () => {
    // The first block installs and starts (`npm start`: this testbed), the third runs the checks.
    const [install, quickStart] = withKubectl(README, "## Quick start");
    expect(install).toEqual(["npm install", expect.stringMatching(/^npm start /)]);
    const [pods, exportGw, models, chat] = await typeIn(quickStart ?? []);
    expect(pods?.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods).toMatch(/\nopenshift-ingress\s+openshift-ai-inference-openshift-ai-inference-\S+\s+1\/1\s+Running\s/);
    expect(exportGw).toBe("");
    expect(JSON.parse(models ?? "").data[0].id).toBe("Qwen/Qwen3-0.6B"); // 200: catch-all route, no EPP
    expect(chat).toMatch(/^\{"error":\{"message":"\[\{'type': 'missing', 'loc': \('body',\), 'msg': 'Field required'/);

    const [, , before, log, applied, after] = await typeIn(withKubectl(README, "## The workshop in one bug")[0] ?? []);
    expect(before).toBe("400\n");
    // 400 via_upstream, pool cluster
    expect(log).toMatch(/" 400 - via_upstream - .* outbound\|54321\|\|qwen3-0-6b-inference-pool-ip-/);
    expect(applied).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created\n");
    expect(after).toBe("200\n");
  });
});

describe.skipIf(missing)("docs/workshop.md with the real kubectl", () => {
  beforeAll(() => open(86), 60_000);
  afterAll(shut);

  it("the setup, then bugs 1, 2 and 3 step by step, then the maas door", { timeout: 120_000 }, async () => {
    expect(await typeIn(withKubectl(WORKSHOP, "# Workshop: the four bugs, step by step").flat())).toEqual(["", "", ""]);
    const address = (await bash.run('echo "$GW"')).out.trim();
    expect(address).toMatch(/^127\.130\.86\.22$/);

    const [models, bug1, log, fix1, after1] = await typeIn(
      withKubectl(WORKSHOP, "## Bug 1 — the request body disappears").flat(),
    );
    expect(JSON.parse(models ?? "").data[0].id).toBe("Qwen/Qwen3-0.6B"); // 200 — the catch-all route has no ext_proc
    expect(bug1).toBe("400\n");
    expect(log).toMatch(
      /"POST \/my-first-model\/qwen3-0-6b\/v1\/chat\/completions HTTP\/2" 400 - via_upstream - "-" 86 .* "127\.1\d\d\.86\.21:8000" outbound\|54321\|\|qwen3-0-6b-inference-pool-ip-a5e07bf3\.my-first-model\.svc\.cluster\.local /,
    );
    expect(fix1).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created\n");
    expect(after1).toBe("200\n");

    const [eight, spread, epp, applyTo, fix2] = await typeIn(
      withKubectl(WORKSHOP, "## Bug 2 — the EPP is never contacted").flat(),
    );
    expect(eight).toBe("");
    // Every pod in turn: round robin.
    expect(spread?.trimEnd().split("\n")).toEqual(
      ["129", "131", "133", "135"].map((pod) => `      2 "127.${pod}.86.21:8000" outbound|54321`),
    );
    expect(epp).toContain(
      "outbound|9002||qwen3-0-6b-epp-service.my-first-model.svc.cluster.local::127.132.86.21:9002::cx_total::1\n",
    );
    const filters = applyTo?.trimEnd().split("\n") ?? [];
    expect(filters[0]).toMatch(/^\s+\{"apiVersion":"networking\.istio\.io\/v1alpha3",.*"applyTo":"HTTP_ROUTE",/);
    expect(filters.slice(1)).toEqual(["  - applyTo: HTTP_ROUTE", "  - applyTo: HTTP_ROUTE"]);
    expect(fix2).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode configured\n");

    const [bug3, tlsFix, decide] = withKubectl(WORKSHOP, "## Bug 3 — TLS to the EPP fails");
    const [five, counters, args] = await typeIn(bug3 ?? []);
    expect(five).toBe("400\n".repeat(5)); // the bodies are lost again
    expect(counters).toContain("::127.132.86.21:9002::cx_connect_fail::6\n");
    expect(counters).toContain("::127.132.86.21:9002::cx_total::6\n");
    expect(JSON.parse(args ?? "")).toEqual(expect.arrayContaining(["--secure-serving"]));
    expect(JSON.parse(args ?? "")).not.toContain("--cert-path");

    const [patch, pods, wentCurl, follow] = tlsFix ?? [];
    const [patched, listed] = await typeIn([patch ?? "", pods ?? ""]);
    expect(patched).toBe("llminferenceservice.serving.kserve.io/qwen3-0-6b patched\n");
    expect(listed).toMatch(/\nqwen3-0-6b-kserve-router-scheduler-\S+\s+\d\/1\s+\S+/);
    // The reader waits for the replaced scheduler before the next request.
    await eventually(
      async () => expect(await typeIn([wentCurl ?? ""])).toEqual(["x-went-into-resp-headers: true\r\n"]),
      {
        timeoutMs: 20_000,
        intervalMs: 300,
      },
    );
    // `logs -f` runs until Ctrl-C: followed until its first lines, then interrupted.
    expect(follow).toMatch(/^kubectl logs -f -n my-first-model deploy\/qwen3-0-6b-kserve-router-scheduler /);
    await followUntil(follow ?? "", /\n/);

    const [verbose, handled] = decide ?? [];
    expect((await typeIn([verbose ?? ""]))[0]).toBe("llminferenceservice.serving.kserve.io/qwen3-0-6b patched\n");
    expect(handled).toBe(
      "kubectl logs -f -n my-first-model deploy/qwen3-0-6b-kserve-router-scheduler | grep 'Request handled'",
    );
    // The reader waits for the replaced scheduler again (`logs deploy/…` picks one pod of the Deployment).
    await eventually(
      () => {
        const schedulers = cluster.testbed.store
          .list("Pod", { namespace: "my-first-model" })
          .filter((pod) => pod.metadata.name.startsWith("qwen3-0-6b-kserve-router-scheduler-"));
        expect(schedulers.map((pod) => [JSON.stringify(pod.spec).includes('"-v=3"'), podPhase(pod)])).toEqual([
          [true, "Running"],
        ]);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await followUntil(handled ?? "", /Request handled\t\{"x-request-id"/, () => bash.run("chat"));

    const maas = await typeIn(withKubectl(WORKSHOP, "## The maas door").flat());
    const [exportMaas, noKey, keys, withKey, maasFilter] = maas;
    expect(exportMaas).toBe("");
    expect(noKey).toBe("HTTP/2 401 \r\n"); // 401 (no key)
    expect(keys).toMatch(/^secret\/\S+ created\n/);
    expect(JSON.parse(withKey ?? "").data[0].id).toBe("Qwen/Qwen3-0.6B");
    expect(maasFilter).toMatch(/^envoyfilter\.networking\.istio\.io\/\S+ created\n$/);
  });
});

function podPhase(pod: { status?: unknown }): string | undefined {
  return (pod.status as { phase?: string } | undefined)?.phase;
}

/**
 * A following command typed in (`kubectl logs -f …`, optionally `| grep …`), run in a shell of its
 * own until its output matches, with `poke` repeated meanwhile (traffic), then interrupted as Ctrl-C does.
 */
async function followUntil(command: string, wanted: RegExp, poke?: () => Promise<unknown>): Promise<void> {
  const shell = kubectl.bash();
  const running = shell.run(command);
  try {
    await eventually(
      async () => {
        await poke?.();
        expect(shell.output()).toMatch(wanted);
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
  } finally {
    shell.interrupt();
    await running;
    shell.close();
  }
}
