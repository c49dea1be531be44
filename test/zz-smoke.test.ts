import { afterAll, beforeAll, it } from "vitest";
import { startSeedTestbed, type SeedTestbed } from "./seed-testbed.js";
import { realKubectl, type RealKubectl } from "./real-kubectl.js";
let cluster: SeedTestbed; let k: RealKubectl;
beforeAll(async () => { cluster = await startSeedTestbed(66); k = realKubectl(cluster.testbed.api.url); }, 60_000);
afterAll(async () => { k?.dispose(); await cluster?.close(); });
it("smoke", async () => {
  for (const s of ["kubectl get csv -n openshift-operators", "kubectl get csv -n openshift-operators | grep servicemesh3",
   "kubectl apply --validate=false -f manifests/08-envoyfilter-fix-extproc-body.yaml",
   "kubectl get envoyfilter fix-extproc-body-mode -n openshift-ingress -o json > /tmp/wt-17a/ef.json; sed -i 's/\"resourceVersion\": \"[0-9]*\"/\"resourceVersion\": \"5\"/' /tmp/wt-17a/ef.json; kubectl apply --validate=false -f /tmp/wt-17a/ef.json",
   "kubectl replace --validate=false -f /tmp/wt-17a/ef.json",
   "kubectl auth can-i create pods", "kubectl get all -n openshift-ingress", "kubectl get rs -n my-first-model -o wide",
   "kubectl api-resources | head -50",
  ]) {
    const r = await k.shell(s);
    console.log(`$ ${s}  [${r.code}]\n${r.out}${r.err}`);
  }
}, 300_000);
