import { afterAll, beforeAll, it } from "vitest";
import { startSeedTestbed, type SeedTestbed } from "./seed-testbed.js";
import { realKubectl, type RealKubectl } from "./real-kubectl.js";
let cluster: SeedTestbed; let k: RealKubectl;
beforeAll(async () => { cluster = await startSeedTestbed(66); k = realKubectl(cluster.testbed.api.url); }, 60_000);
afterAll(async () => { k?.dispose(); await cluster?.close(); });
it("smoke", async () => {
  for (const args of [
   ["-v=8","get","pods","-n","my-first-model","-w","--request-timeout=3s"],
   ["-v=6","create","configmap","x","-n","my-first-model","--from-literal=a=b"],
  ]) {
    const r = await k.run(...args);
    console.log(`$ kubectl ${args.join(" ")}  [${r.code}]\n${r.out}${r.err.split("\n").filter(l=>/Response|Request|Accept|Content-Type|Body/.test(l)).map(l=>l.slice(0,600)).slice(0,40).join("\n")}`);
  }
}, 300_000);
