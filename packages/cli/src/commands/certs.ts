import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { CertificateAuthority } from "@testbed/common";
import type { Command } from "../command.js";

const USAGE = `usage: testbed certs --out DIR [--service NAME.NAMESPACE]... [--ingress NAME]...

Writes the certificates a multi-container testbed (docker compose) needs, the way the cluster's
service CA and ingress issuer make them in embedded mode:
  DIR/service-ca.crt                       the service CA (mounted where pods read
                                           /var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt)
  DIR/serving/tls.crt, tls.key             one serving certificate for every --service
                                           (<name>.<namespace>.svc and .svc.cluster.local)
  DIR/ingress/<NAME>/tls.crt, tls.key      a certificate per gateway listener Secret (--ingress)
Existing files are replaced.`;

/** `testbed certs`: the service CA, a serving certificate and ingress certificates, as PEM files. */
export const certsCommand: Command = {
  name: "certs",
  summary: "write the service CA, serving and ingress certificates (for docker compose)",
  async run(argv) {
    let values: { out?: string; service?: string[]; ingress?: string[]; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          out: { type: "string" },
          service: { type: "string", multiple: true },
          ingress: { type: "string", multiple: true },
          help: { type: "boolean", short: "h" },
        },
      }));
    } catch (error) {
      process.stderr.write(`testbed certs: ${(error as Error).message}\n${USAGE}\n`);
      return 2;
    }
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const services = values.service ?? [];
    const ingresses = values.ingress ?? [];
    const problem = flagProblem(services, ingresses);
    if (!values.out || problem) {
      process.stderr.write(`${problem ? `testbed certs: ${problem}\n` : ""}${USAGE}\n`);
      return 2;
    }
    try {
      await writeCertificates(values.out, services, ingresses);
    } catch (error) {
      process.stderr.write(`testbed certs: ${(error as Error).message}\n`);
      return 1;
    }
    process.stdout.write(`certificates written to ${values.out}\n`);
    return 0;
  },
};

/** Services are NAME.NAMESPACE; ingress names become directory names, so only Secret names pass. */
function flagProblem(services: string[], ingresses: string[]): string | undefined {
  const service = services.find((name) => !/^[a-z0-9-]+\.[a-z0-9-]+$/.test(name));
  if (service !== undefined) return `--service ${service}: expected NAME.NAMESPACE`;
  const ingress = ingresses.find((name) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name));
  if (ingress !== undefined) return `--ingress ${ingress}: expected a Secret name`;
  return undefined;
}

export async function writeCertificates(out: string, services: string[], ingresses: string[]): Promise<void> {
  const serviceCa = await CertificateAuthority.create("CN=openshift-service-serving-signer");
  mkdirSync(join(out, "serving"), { recursive: true });
  writeFileSync(join(out, "service-ca.crt"), serviceCa.certPem);
  const dnsNames = services.flatMap((service) => [`${service}.svc`, `${service}.svc.cluster.local`]);
  const serving = await serviceCa.issue({
    name: `CN=${dnsNames[0] ?? "localhost"}`,
    dnsNames: [...dnsNames, "localhost"],
  });
  writeFileSync(join(out, "serving", "tls.crt"), serving.cert);
  writeFileSync(join(out, "serving", "tls.key"), serving.key, { mode: 0o600 });
  const ingressCa = await CertificateAuthority.create("CN=ingress-operator", { keyAlgorithm: "ECDSA-P256" });
  for (const name of ingresses) {
    const pair = await ingressCa.issue({
      name: "CN=*.apps.testbed.local",
      dnsNames: ["*.apps.testbed.local", "localhost"],
    });
    mkdirSync(join(out, "ingress", name), { recursive: true });
    writeFileSync(join(out, "ingress", name, "tls.crt"), pair.cert);
    writeFileSync(join(out, "ingress", name, "tls.key"), pair.key, { mode: 0o600 });
  }
}
