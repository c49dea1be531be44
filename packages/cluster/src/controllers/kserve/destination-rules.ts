// The mesh's TLS settings towards the EPP, the workload Service and the pool's pods: SIMPLE TLS verified against
// OpenShift's service CA. A peer whose certificate that CA did not sign (an EPP started without
// `--cert-path`, serving its own self-signed certificate) fails the handshake — the seed's Bug 3.
// As opendatahub-io/kserve workload_tls_self_signed_istio.go writes them, each rule names its host as
// its `sni` (and sets insecureSkipVerify false): without an sni Istio would turn on auto SNI and
// auto SAN validation, and the client's Host would have to appear in the pods' certificates.
import type { KubeObject } from "@testbed/apimachinery";
import { serviceFqdn, shadowServiceName } from "../mesh/names.js";
import { childNames, ownedObjectLabels, SERVICE_CA_PATH } from "./names.js";

/** The EPP Service's DestinationRule: SIMPLE TLS with the Service's FQDN as SNI. */
export function schedulerDestinationRule(name: string, namespace: string): KubeObject {
  const names = childNames(name);
  const host = serviceFqdn(names.eppService, namespace);
  return destinationRule(names.schedulerRule, namespace, name, host, { sni: host });
}

export function workloadDestinationRule(name: string, namespace: string): KubeObject {
  const names = childNames(name);
  const host = serviceFqdn(names.workloadService, namespace);
  return destinationRule(names.workloadServiceRule, namespace, name, host, { sni: host });
}

/**
 * `<name>-kserve-workload`: the same TLS for traffic the InferencePool sends to the vLLM pods, on
 * the pool's shadow Service (the host Istio gives the pool), since vLLM serves HTTPS there too.
 */
export function poolDestinationRule(name: string, namespace: string): KubeObject {
  const names = childNames(name);
  const host = serviceFqdn(shadowServiceName(names.inferencePool), namespace);
  return destinationRule(names.workloadRule, namespace, name, host, { sni: host });
}

function destinationRule(
  ruleName: string,
  namespace: string,
  owner: string,
  host: string,
  extra: Record<string, string>,
): KubeObject {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: { name: ruleName, namespace, labels: ownedObjectLabels(owner, "llminferenceservice-router") },
    spec: {
      host,
      trafficPolicy: { tls: { mode: "SIMPLE", caCertificates: SERVICE_CA_PATH, insecureSkipVerify: false, ...extra } },
      exportTo: ["*"],
    },
  };
}
