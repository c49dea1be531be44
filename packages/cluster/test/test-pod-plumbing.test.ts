import { X509Certificate } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SystemClock, silentSink } from "@testbed/common";
import { describe, expect, it } from "vitest";
import { ServiceCaController } from "../src/controllers/service-ca.js";
import { containerArgv } from "../src/kubelet/command-line.js";
import { PodFilesystem } from "../src/kubelet/pod-filesystem.js";
import { ObjectStore } from "../src/store/object-store.js";

const PRESET_SCRIPT =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell script, as in KServe's preset.
  'eval "vllm serve /mnt/models --port $(PORT) ${VLLM_ADDITIONAL_ARGS} --ssl-certfile /var/run/kserve/tls/tls.crt"';

describe("container command lines", () => {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell variable references, as in KServe's preset.
  it("runs KServe's shell preset the way bash would: eval, ${VAR} word splitting, $(VAR) references", () => {
    const env = { VLLM_ADDITIONAL_ARGS: "--enable-prefix-caching --block-size=16", PORT: "8001" };
    const argv = containerArgv(["/bin/bash", "-c"], [PRESET_SCRIPT], env);
    expect(argv).toEqual([
      "vllm",
      "serve",
      "/mnt/models",
      "--port",
      "8001",
      "--enable-prefix-caching",
      "--block-size=16",
      "--ssl-certfile",
      "/var/run/kserve/tls/tls.crt",
    ]);
  });

  it("leaves exec-form arguments unsplit and unknown $(VAR) references as written", () => {
    expect(containerArgv(undefined, ["--config-text", "a: b\nc: $(NOPE)"], {})).toEqual([
      "--config-text",
      "a: b\nc: $(NOPE)",
    ]);
  });
});

describe("pod filesystem", () => {
  it("maps volume mounts by longest prefix and everything else onto the pod's root", () => {
    const fs = new PodFilesystem(mkdtempSync(join(tmpdir(), "podfs-")));
    fs.mount("/var/run", "run");
    fs.mount("/var/run/kserve/tls", "tls");
    expect(fs.resolve("/var/run/kserve/tls/tls.crt")).toBe(join(fs.root, "volumes", "tls", "tls.crt"));
    expect(fs.resolve("/var/run/other")).toBe(join(fs.root, "volumes", "run", "other"));
    expect(fs.resolve("/etc/hosts")).toBe(join(fs.root, "rootfs", "etc", "hosts"));
    expect(fs.resolve("/var/run/kserve/tls/../../x")).toBe(join(fs.root, "volumes", "run", "x"));
  });
});

describe("service CA", () => {
  it("publishes the CA in every namespace and signs one certificate for all Services naming a Secret", async () => {
    const store = new ObjectStore();
    store.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "ns1" } });
    const controller = await ServiceCaController.create();
    controller.start({ store, clock: new SystemClock(), log: silentSink });
    for (const name of ["workload-svc", "epp-service"]) {
      store.create({
        apiVersion: "v1",
        kind: "Service",
        metadata: {
          name,
          namespace: "ns1",
          annotations: { "service.beta.openshift.io/serving-cert-secret-name": "shared-certs" },
        },
        spec: { selector: { app: name }, ports: [{ port: 8000 }] },
      });
    }
    await store.settled();
    await controller.idle();
    await store.settled();
    await controller.idle();
    const configMap = store.get("ConfigMap", "ns1", "openshift-service-ca.crt");
    const bundle = ((configMap?.data ?? {}) as Record<string, string>)["service-ca.crt"] as string;
    expect(bundle).toContain("BEGIN CERTIFICATE");
    const secret = store.get("Secret", "ns1", "shared-certs");
    expect(secret?.type).toBe("kubernetes.io/tls");
    const data = (secret?.data ?? {}) as Record<string, string>;
    const cert = new X509Certificate(Buffer.from(data["tls.crt"] as string, "base64"));
    expect(cert.subjectAltName).toContain("DNS:workload-svc.ns1.svc.cluster.local");
    expect(cert.subjectAltName).toContain("DNS:epp-service.ns1.svc.cluster.local");
    expect(cert.verify(new X509Certificate(bundle).publicKey)).toBe(true);
    expect(store.get("Service", "ns1", "epp-service")?.spec.clusterIP).toMatch(/^172\.30\.\d+\.\d+$/);
    controller.stop();
  });
});
