// The seed's commands (sections 2, 4, 5 and 6, `oc` → `kubectl`) run with the real kubectl v1.33
// against the rhoai-3.2 testbed, in the seed's order, asserting what a real cluster prints. The
// commands that need exec, attach or port-forward streams run in test-real-kubectl-streams.test.ts
// (on the full testbed with its token).
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { eventually } from "@testbed/common";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { realClientMissing } from "./real-clients.js";
import { type KubectlResult, type RealKubectl, realKubectl } from "./real-kubectl.js";
import { CHAT_PATH, chatBody, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

let cluster: SeedTestbed;
let kubectl: RealKubectl;
const NS = "my-first-model";
const ADDRESS = /^127\.\d+\.66\.\d+$/;

/** A seed command as the seed writes it, run through sh with `kubectl` on PATH. */
const sh = (script: string) => kubectl.shell(script);
const rows = (table: string) => table.trim().split("\n").slice(1);
const header = (table: string) => (table.split("\n")[0] ?? "").trim().split(/\s{2,}/);

function ok(result: KubectlResult): string {
  expect(result.err).toBe("");
  expect(result.code).toBe(0);
  return result.out;
}

const GW_POD = `kubectl get pods -n openshift-ingress \\
  -l gateway.networking.k8s.io/gateway-name=openshift-ai-inference \\
  -o jsonpath='{.items[0].metadata.name}'`;

describe.skipIf(realClientMissing("kubectl"))("the seed's commands with the real kubectl", () => {
  beforeAll(async () => {
    cluster = await startSeedTestbed(66);
    kubectl = realKubectl(cluster.testbed.api.url);
  }, 60_000);
  afterAll(async () => {
    kubectl?.dispose();
    await cluster?.close();
  });

  describe("section 2: your 3 gateways", () => {
    it("reads the inference gateway's address (and exports it as GW)", async () => {
      const address = ok(
        await sh(`kubectl get gateway openshift-ai-inference -n openshift-ingress \\
  -o jsonpath='{.status.addresses[0].value}'`),
      );
      expect(address).toMatch(ADDRESS);
      const exported = ok(
        await sh(`export GW=$(kubectl get gateway openshift-ai-inference -n openshift-ingress \\
  -o jsonpath='{.status.addresses[0].value}'); echo "$GW"`),
      );
      expect(exported.trim()).toBe(address);
    });

    it("lists the routes as JSON", async () => {
      const list = JSON.parse(ok(await sh("kubectl get httproute -A -o json")));
      expect(list.kind).toBe("List");
      const names = list.items.map((r: { metadata: { name: string } }) => r.metadata.name).sort();
      expect(names).toEqual(["maas-model-route", "qwen3-0-6b-kserve-route"]);
    });

    it("reads the MaaS gateway's address", async () => {
      const address = ok(
        await sh(`export MAAS_GW=$(kubectl get gateway maas-gateway -n openshift-ingress \\
  -o jsonpath='{.status.addresses[0].value}'); echo "$MAAS_GW"`),
      );
      expect(address.trim()).toMatch(ADDRESS);
    });

    it("lists the model's services with kubectl's columns", async () => {
      const out = ok(await sh(`kubectl get svc -n ${NS}`));
      expect(header(out)).toEqual(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]);
      expect(out).toMatch(
        /\nqwen3-0-6b-kserve-workload-svc\s+ClusterIP\s+172\.30\.\d+\.\d+\s+<none>\s+8000\/TCP\s+\d+s\n/,
      );
    });

    // port-forward svc/… 8000:8000 and run curl-test --rm -it: test-real-kubectl-streams.test.ts.
  });

  describe("section 4: the bugs we found and fixed", () => {
    it("a server-side dry run and kubectl diff leave the cluster as it is", async () => {
      const manifest = "manifests/08-envoyfilter-fix-extproc-body.yaml";
      const dry = ok(await sh(`kubectl apply --dry-run=server --validate=false -f ${manifest}`));
      expect(dry.trim()).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created (server dry run)");
      const diff = await sh(`kubectl diff -f ${manifest}`);
      expect(diff.code).toBe(1); // differences found
      expect(diff.out).toContain("+  - applyTo: HTTP_FILTER");
      const none = await sh(`kubectl get envoyfilter fix-extproc-body-mode -n openshift-ingress`);
      expect(none.err).toBe(
        'Error from server (NotFound): envoyfilters.networking.istio.io "fix-extproc-body-mode" not found\n',
      );
    });

    it("applies the EnvoyFilter fix; diff then finds nothing", async () => {
      const manifest = "manifests/08-envoyfilter-fix-extproc-body.yaml";
      expect(readFileSync(manifest, "utf8")).toContain("applyTo: HTTP_FILTER");
      // Verbatim: kubectl validates it against the server's /openapi/v3 first.
      const out = ok(await sh(`kubectl apply -f ${manifest}`));
      expect(out.trim()).toBe("envoyfilter.networking.istio.io/fix-extproc-body-mode created");
      const diff = await sh(`kubectl diff -f ${manifest}`);
      expect(diff).toMatchObject({ code: 0, out: "" });
    });

    it("finds the gateway pod", async () => {
      expect(ok(await sh(`ENVOY_POD=$(${GW_POD}); echo "$ENVOY_POD"`)).trim()).toMatch(
        /^openshift-ai-inference-openshift-ai-inference-[a-z0-9]+-[a-z0-9]{5}$/,
      );
    });

    // exec $ENVOY_POD -c istio-proxy -- pilot-agent request GET /clusters: test-real-kubectl-streams.test.ts.

    it("patches the scheduler's TLS args in; the rollout completes with a second revision", async () => {
      const out = ok(
        await sh(`kubectl patch llminferenceservice qwen3-0-6b -n ${NS} --type='json' -p='[
  {"op":"add","path":"/spec/router/scheduler/template/containers/0/args/-","value":"--secure-serving"},
  {"op":"add","path":"/spec/router/scheduler/template/containers/0/args/-","value":"--cert-path"},
  {"op":"add","path":"/spec/router/scheduler/template/containers/0/args/-","value":"/var/run/kserve/tls"}
]'`),
      );
      expect(out.trim()).toBe("llminferenceservice.serving.kserve.io/qwen3-0-6b patched");
      const deploy = "deploy/qwen3-0-6b-kserve-router-scheduler";
      await eventually(
        async () => {
          const history = ok(await sh(`kubectl rollout history ${deploy} -n ${NS}`));
          expect(rows(history.split("\n").slice(1).join("\n")).map((r) => r.split(/\s+/)[0])).toEqual(["1", "2"]);
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const status = ok(await sh(`kubectl rollout status ${deploy} -n ${NS} --timeout=60s`));
      expect(status.trim().split("\n").at(-1)).toBe(
        'deployment "qwen3-0-6b-kserve-router-scheduler" successfully rolled out',
      );
    });
  });

  describe("section 5: how to check each layer", () => {
    it("check 1: the three gateway pods are 1/1 Running", async () => {
      const out = ok(await sh("kubectl get pods -A -l 'gateway.networking.k8s.io/gateway-name'"));
      expect(header(out)).toEqual(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
      expect(rows(out)).toHaveLength(3);
      for (const row of rows(out)) expect(row).toMatch(/^openshift-ingress\s+\S+\s+1\/1\s+Running\s+0\s+\d+[sm]/);
    });

    it("check 2: every Gateway has an address and is Programmed", async () => {
      const out = ok(await sh("kubectl get gateway -A"));
      expect(header(out)).toEqual(["NAMESPACE", "NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]);
      const lines = rows(out);
      expect(lines.map((l) => l.split(/\s+/)[1])).toEqual([
        "data-science-gateway",
        "maas-gateway",
        "openshift-ai-inference",
      ]);
      for (const line of lines) expect(line).toMatch(/\s127\.\d+\.66\.\d+\s+True\s+\d+[sm]/);
    });

    it("check 3: the routes (HOSTNAMES empty: the seed's routes name none)", async () => {
      const out = ok(await sh("kubectl get httproute -A"));
      expect(header(out)).toEqual(["NAMESPACE", "NAME", "HOSTNAMES", "AGE"]);
      expect(rows(out).map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual([
        `${NS} maas-model-route`,
        `${NS} qwen3-0-6b-kserve-route`,
      ]);
    });

    it("check 4: the InferencePool (a CRD without printer columns: NAME and AGE)", async () => {
      const out = ok(await sh("kubectl get inferencepool.inference.networking.x-k8s.io -A"));
      expect(header(out)).toEqual(["NAMESPACE", "NAME", "AGE"]);
      expect(rows(out)[0]).toMatch(new RegExp(`^${NS}\\s+qwen3-0-6b-inference-pool\\s+\\d+[sm]`));
    });

    it("check 5: the scheduler pod, its logs", async () => {
      const pods = ok(await sh(`kubectl get pods -n ${NS} | grep scheduler`));
      expect(pods).toMatch(/^qwen3-0-6b-kserve-router-scheduler-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/);
      const logs = await sh(`kubectl logs -n ${NS} deploy/qwen3-0-6b-kserve-router-scheduler --tail=20`);
      expect(logs.code).toBe(0);
      expect(logs.out.trim().split("\n").length).toBeGreaterThan(0);
      expect(logs.out.trim().split("\n").length).toBeLessThanOrEqual(20);
    });

    it("check 6: the model's pods by the KServe name label", async () => {
      const out = ok(await sh(`kubectl get pods -n ${NS} -l app.kubernetes.io/name=qwen3-0-6b`));
      expect(header(out)).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
      expect(rows(out).length).toBeGreaterThan(0);
    });

    it("check 7: the EnvoyFilters, and the fix targets HTTP_FILTER", async () => {
      const out = ok(await sh("kubectl get envoyfilter -n openshift-ingress"));
      expect(header(out)).toEqual(["NAME", "AGE"]);
      expect(rows(out).map((r) => r.split(/\s+/)[0])).toContain("fix-extproc-body-mode");
      // As on a real cluster after a client-side `apply`: the last-applied-configuration annotation
      // (one JSON line) matches too, then the spec's line the seed looks for.
      const applyTo = ok(
        await sh("kubectl get envoyfilter fix-extproc-body-mode -n openshift-ingress -o yaml | grep applyTo"),
      );
      const lines = applyTo.trimEnd().split("\n");
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^\s+\{"apiVersion":"networking\.istio\.io\/v1alpha3",.*"applyTo":"HTTP_FILTER"/);
      expect(lines[1]).toBe("  - applyTo: HTTP_FILTER");
    });

    // check 8 (exec … pilot-agent request GET /clusters | grep epp): test-real-kubectl-streams.test.ts.

    it("checks 9 and 10: the scheduler's args as JSON (after the section 4 patch: TLS args present)", async () => {
      const args = JSON.parse(
        ok(
          await sh(`kubectl get pods -n ${NS} -l app=qwen3-0-6b-kserve-router-scheduler \\
  -o jsonpath='{.items[0].spec.containers[0].args}'`),
        ),
      ) as string[];
      expect(args).toEqual(expect.arrayContaining(["--secure-serving", "--cert-path", "/var/run/kserve/tls"]));
    });

    it("check 11: prefix caching in the vLLM pods' env (the seed's grep prints nothing: it is off as shipped)", async () => {
      const result = await sh(`kubectl get pods -n ${NS} -l serving.kserve.io/inferenceservice=qwen3-0-6b \\
  -o jsonpath='{range .items[*]}{.metadata.name}: {.spec.containers[0].env}' | grep -o "enable-prefix-caching"`);
      expect(result).toMatchObject({ code: 1, out: "", err: "" });
    });

    it("check 12: picks a vLLM pod", async () => {
      const pod = ok(
        await sh(`POD=$(kubectl get pods -n ${NS} -l serving.kserve.io/inferenceservice=qwen3-0-6b \\
  -o jsonpath='{.items[0].metadata.name}'); echo "$POD"`),
      );
      expect(pod.trim()).toMatch(/^qwen3-0-6b-kserve-/);
    });

    // check 12 (exec $POD -- curl -s localhost:8000/metrics): test-real-kubectl-streams.test.ts.

    it("the Envoy access log: the last 5 lines of the gateway pod's istio-proxy", async () => {
      const result = await sh(`GWPOD=$(${GW_POD})
kubectl logs -n openshift-ingress $GWPOD -c istio-proxy --tail=5`);
      expect(result.code).toBe(0);
      expect(result.out.trim().split("\n").length).toBeLessThanOrEqual(5);
    });
  });

  describe("beyond the seed: what a participant types next", () => {
    it("kubectl wait picks the named object; events select by the involved object", async () => {
      const waited = ok(
        await sh(`kubectl wait --for=condition=Ready llminferenceservice/qwen3-0-6b -n ${NS} --timeout=60s`),
      );
      expect(waited).toBe("llminferenceservice.serving.kserve.io/qwen3-0-6b condition met\n");
      const pod = ok(await sh(`kubectl get pods -n ${NS} -l app=qwen3-0-6b-kserve-router-scheduler -o name`)).trim();
      const events = ok(
        await sh(`kubectl get events -n ${NS} --field-selector involvedObject.name=${pod.replace("pod/", "")}`),
      );
      expect(header(events)).toEqual(["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
      for (const row of rows(events)) expect(row).toContain(pod);
    });
  });

  describe("section 6: copy-paste commands", () => {
    it("the Istio version", async () => {
      const out = ok(await sh("kubectl get istio -A"));
      expect(header(out)).toEqual([
        "NAME",
        "NAMESPACE",
        "PROFILE",
        "REVISIONS",
        "READY",
        "IN USE",
        "ACTIVE REVISION",
        "STATUS",
        "VERSION",
        "AGE",
      ]);
      expect(rows(out)[0]).toMatch(/^default\s+istio-system\s+1\s+1\s+1\s+default\s+Healthy\s+v1\.26\.2\s+\d+[sm]/);
    });

    it("the OSSM 3 and RHOAI operator versions (the seed's `grep servicemesh3` matches nothing, as on OpenShift)", async () => {
      // OLM names the OSSM 3 CSV after its package, servicemeshoperator3: "servicemesh3" is not in it.
      expect(await sh("kubectl get csv -n openshift-operators | grep servicemesh3")).toMatchObject({
        code: 1,
        out: "",
      });
      const mesh = ok(await sh("kubectl get csv -n openshift-operators | grep servicemeshoperator3"));
      expect(mesh).toMatch(
        /^servicemeshoperator3\.v3\.2\.1\s+Red Hat OpenShift Service Mesh 3\s+3\.2\.1\s+servicemeshoperator3\.v3\.2\.0\s+Succeeded\n$/,
      );
      const rhoai = ok(await sh("kubectl get csv -n redhat-ods-operator | grep rhods"));
      expect(rhoai).toMatch(
        /^rhods-operator\.3\.2\.0\s+Red Hat OpenShift AI\s+3\.2\.0\s+rhods-operator\.3\.0\.0\s+Succeeded\n$/,
      );
    });

    it("pods, services and deployments in one table each", async () => {
      const out = ok(await sh(`kubectl get pods,svc,deploy -n ${NS}`));
      const tables = out.trim().split("\n\n");
      expect(tables.map((t) => header(t))).toEqual([
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
        ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
        ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
      ]);
      expect(tables[2]).toMatch(/\ndeployment\.apps\/qwen3-0-6b-kserve-router-scheduler\s+1\/1\s+1\s+1\s+/);
    });

    it("the pool, the routes and the filters of the model", async () => {
      expect(header(ok(await sh(`kubectl get inferencepool.inference.networking.x-k8s.io -n ${NS}`)))).toEqual([
        "NAME",
        "AGE",
      ]);
      expect(rows(ok(await sh(`kubectl get httproute -n ${NS}`)))).toHaveLength(2);
      expect(rows(ok(await sh("kubectl get envoyfilter -n openshift-ingress"))).length).toBeGreaterThanOrEqual(1);
    });

    it("logs -f of the scheduler streams its log", async () => {
      const lines = await kubectl.follow(3, "logs", "-f", "-n", NS, "deploy/qwen3-0-6b-kserve-router-scheduler");
      for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\t(INFO|DEBUG)\t/);
    });

    it("logs -f of the gateway's istio-proxy prints each request's access-log line as it is served", async () => {
      const pod = ok(await sh(GW_POD)).trim();
      const gateway = ok(
        await sh(`kubectl get gateway openshift-ai-inference -n openshift-ingress \\
  -o jsonpath='{.status.addresses[0].value}'`),
      );
      const logLines = async () =>
        ok(await kubectl.run("logs", "-n", "openshift-ingress", pod, "-c", "istio-proxy"))
          .split("\n")
          .filter(Boolean);
      expect((await send(`https://${gateway}${CHAT_PATH}`, { body: chatBody("before") })).status).toBe(200);
      let before: string[] = [];
      await eventually(async () => {
        before = await logLines();
        expect(before.join("\n")).toContain("/v1/chat/completions");
      });
      // Verbatim (the seed's `oc logs -f -n openshift-ingress $GWPOD -c istio-proxy`), then traffic.
      const follow = kubectl.start("logs", "-f", "-n", "openshift-ingress", pod, "-c", "istio-proxy");
      try {
        await eventually(() => expect(follow.output().split("\n").filter(Boolean)).toEqual(before), {
          timeoutMs: 10_000,
        });
        expect((await send(`https://${gateway}${CHAT_PATH}`, { body: chatBody("after") })).status).toBe(200);
        await eventually(() => expect(follow.output().split("\n").filter(Boolean)).toHaveLength(before.length + 1), {
          timeoutMs: 10_000,
        });
        expect(follow.output().trimEnd().split("\n").at(-1)).toContain(`POST ${CHAT_PATH}`);
        expect(follow.running()).toBe(true);
      } finally {
        follow.stop();
      }
    });

    it("logs?follow=true answers its status line and headers before the first log line", async () => {
      const pod = ok(await sh(GW_POD)).trim();
      const url = `${cluster.testbed.api.url}/api/v1/namespaces/openshift-ingress/pods/${pod}/log?container=istio-proxy&follow=true&tailLines=0`;
      const { status, type, body } = await new Promise<{ status?: number; type?: string; body: string }>(
        (resolve, reject) => {
          const request = get(url, (response) => {
            let body = "";
            response.on("data", (chunk) => {
              body += chunk;
            });
            // No line is written: the answer can only have arrived because the headers were flushed.
            setImmediate(() => {
              resolve({ status: response.statusCode, type: response.headers["content-type"], body });
              request.destroy();
            });
          });
          request.on("error", reject);
        },
      );
      expect({ status, type, body }).toEqual({ status: 200, type: "text/plain; charset=utf-8", body: "" });
    });
  });
});
