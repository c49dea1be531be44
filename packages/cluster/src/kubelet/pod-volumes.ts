import type { KubeObject } from "@testbed/apimachinery";
import type { ObjectStore } from "../store/object-store.js";
import type { PodFilesystem } from "./pod-filesystem.js";

/** Where every pod finds its service account files, including OpenShift's service CA bundle. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const SERVICE_ACCOUNT_VOLUME = "kube-api-access";
/** OpenShift publishes the service CA in every namespace under this ConfigMap. */
export const SERVICE_CA_CONFIGMAP = "openshift-service-ca.crt";

interface VolumeSpec {
  name: string;
  secret?: { secretName: string; optional?: boolean };
  configMap?: { name: string; optional?: boolean };
  emptyDir?: unknown;
}

export class VolumeMountError extends Error {}

/**
 * Materialize a pod's volumes as files and mount them where its containers expect them. A Secret
 * or ConfigMap that does not exist yet fails the mount with the kubelet's message; the caller
 * retries, as the kubelet does, so a pod waits in ContainerCreating until its Secret appears.
 */
export function mountVolumes(pod: KubeObject, store: ObjectStore, fs: PodFilesystem): void {
  const namespace = pod.metadata.namespace ?? "default";
  for (const volume of (pod.spec?.volumes ?? []) as VolumeSpec[]) writeVolume(volume, namespace, store, fs);
  writeServiceAccount(namespace, store, fs);
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])] as Array<{
    volumeMounts?: Array<{ name: string; mountPath: string }>;
  }>;
  const mounted = new Set<string>();
  for (const container of containers) {
    for (const mount of container.volumeMounts ?? []) {
      const key = `${mount.name}@${mount.mountPath}`;
      if (mounted.has(key)) continue;
      mounted.add(key);
      fs.mount(mount.mountPath, mount.name);
    }
  }
  fs.mount(SERVICE_ACCOUNT_DIR, SERVICE_ACCOUNT_VOLUME);
}

/** Rewrite the files of volumes backed by this Secret/ConfigMap (the kubelet's periodic sync). */
export function refreshVolumes(pod: KubeObject, store: ObjectStore, fs: PodFilesystem, changed: KubeObject): void {
  const namespace = pod.metadata.namespace ?? "default";
  if (changed.metadata.namespace !== namespace) return;
  for (const volume of (pod.spec?.volumes ?? []) as VolumeSpec[]) {
    const source = volume.secret?.secretName ?? volume.configMap?.name;
    const kind = volume.secret ? "Secret" : volume.configMap ? "ConfigMap" : undefined;
    if (kind === changed.kind && source === changed.metadata.name) {
      try {
        writeVolume(volume, namespace, store, fs);
      } catch {
        // A deleted source leaves the last files in place, as the kubelet does.
      }
    }
  }
  if (changed.kind === "ConfigMap" && changed.metadata.name === SERVICE_CA_CONFIGMAP)
    writeServiceAccount(namespace, store, fs);
}

function writeVolume(volume: VolumeSpec, namespace: string, store: ObjectStore, fs: PodFilesystem): void {
  if (volume.secret) {
    const secret = store.get("Secret", namespace, volume.secret.secretName);
    if (!secret) {
      if (volume.secret.optional) return void fs.volumeDir(volume.name);
      throw new VolumeMountError(
        `MountVolume.SetUp failed for volume "${volume.name}" : secret "${volume.secret.secretName}" not found`,
      );
    }
    fs.writeVolume(volume.name, secretFiles(secret));
    return;
  }
  if (volume.configMap) {
    const configMap = store.get("ConfigMap", namespace, volume.configMap.name);
    if (!configMap) {
      if (volume.configMap.optional) return void fs.volumeDir(volume.name);
      throw new VolumeMountError(
        `MountVolume.SetUp failed for volume "${volume.name}" : configmap "${volume.configMap.name}" not found`,
      );
    }
    fs.writeVolume(volume.name, (configMap.data ?? {}) as Record<string, string>);
    return;
  }
  fs.volumeDir(volume.name);
}

function secretFiles(secret: KubeObject): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries((secret.data ?? {}) as Record<string, string>)) {
    files[key] = Buffer.from(value, "base64");
  }
  for (const [key, value] of Object.entries((secret.stringData ?? {}) as Record<string, string>)) {
    files[key] = Buffer.from(value, "utf8");
  }
  return files;
}

function writeServiceAccount(namespace: string, store: ObjectStore, fs: PodFilesystem): void {
  const serviceCa = store.get("ConfigMap", namespace, SERVICE_CA_CONFIGMAP)?.data as Record<string, string> | undefined;
  fs.writeVolume(SERVICE_ACCOUNT_VOLUME, {
    namespace,
    token: "testbed-service-account-token",
    ...(serviceCa?.["service-ca.crt"]
      ? { "service-ca.crt": serviceCa["service-ca.crt"], "ca.crt": serviceCa["service-ca.crt"] }
      : {}),
  });
}
