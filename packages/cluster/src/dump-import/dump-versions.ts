// The Istio release a dump's cluster runs, read from what the dump shows: the Sail operator's Istio
// resource (spec.version, e.g. v1.26.2) first, then the gateways' istio-proxy image tags
// (istio-proxyv2-rhel9:1.26.2, proxyv2:1.28.1), then the OSSM operator's CSV name
// (servicemeshoperator3.v3.2.1) by the Istio release that OSSM minor ships as its default.
// RHOAI's CSV (rhods-operator.3.2.0) is reported; the testbed models RHOAI 3.2.
import type { KubeObject } from "@testbed/apimachinery";
import { type IstioVersion, isIstioVersion } from "../controllers/mesh/istio-version.js";

export interface DumpVersions {
  /** The profile the dump selects, when it names a release the testbed models. */
  istio?: IstioVersion;
  /** What was found, and where ("Istio v1.26.2 (Istio default spec.version)"). */
  evidence: string[];
}

/** OSSM 3.x minor → the Istio minor it installs by default (OSSM 3.0: 1.24, 3.1: 1.26, 3.2: 1.27). */
const OSSM_DEFAULT_ISTIO: Record<string, string> = { "3.0": "1.24", "3.1": "1.26", "3.2": "1.27" };

const PROXY_IMAGE = /(?:istio-)?proxyv2(?:-rhel\d+)?:v?(\d+\.\d+)(?:\.\d+)?/;

export function dumpVersions(objects: readonly KubeObject[]): DumpVersions {
  const evidence: string[] = [];
  const candidates: string[] = [];
  for (const object of objects.filter((o) => o.kind === "Istio" && o.apiVersion.startsWith("sailoperator.io/"))) {
    const version = String(object.spec?.version ?? "");
    const minor = /^v?(\d+\.\d+)/.exec(version)?.[1];
    if (!minor) continue;
    evidence.push(`Istio ${version} (Istio ${object.metadata.name} spec.version)`);
    candidates.push(minor);
  }
  for (const [image, minor] of proxyImages(objects)) {
    evidence.push(`Istio ${minor} (image ${image})`);
    candidates.push(minor);
  }
  for (const object of objects.filter((o) => o.kind === "ClusterServiceVersion")) {
    const name = object.metadata.name;
    const ossm = /^servicemeshoperator3\.v(\d+\.\d+)\.\d+/.exec(name)?.[1];
    if (ossm) {
      evidence.push(
        `OSSM ${name.replace(/^servicemeshoperator3\.v/, "")} (CSV ${name}; its default Istio is ${OSSM_DEFAULT_ISTIO[ossm] ?? "unknown"})`,
      );
      if (OSSM_DEFAULT_ISTIO[ossm]) candidates.push(OSSM_DEFAULT_ISTIO[ossm]);
    }
    const rhoai = /^rhods-operator\.v?(\d+\.\d+\.\d+)/.exec(name)?.[1];
    if (rhoai) evidence.push(`RHOAI ${rhoai} (CSV ${name})`);
  }
  const istio = candidates.find(isIstioVersion);
  return { ...(istio ? { istio } : {}), evidence };
}

/** istio-proxy images of every pod template and pod, with the minor release their tag names. */
function proxyImages(objects: readonly KubeObject[]): Array<[string, string]> {
  const seen = new Map<string, string>();
  for (const object of objects) {
    const spec = (object.kind === "Pod" ? object.spec : (object.spec?.template as KubeObject | undefined)?.spec) as
      | { containers?: Array<{ image?: string }> }
      | undefined;
    for (const container of spec?.containers ?? []) {
      const minor = container.image ? PROXY_IMAGE.exec(container.image)?.[1] : undefined;
      if (container.image && minor) seen.set(container.image, minor);
    }
  }
  return [...seen];
}
