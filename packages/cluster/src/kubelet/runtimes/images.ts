import type { ContainerImage } from "./container-runtime.js";
import { curlImage } from "./curl.js";
import { istioProxyImage } from "./istio-proxy.js";
import { authorinoImage, limitadorImage } from "./kuadrant.js";
import { routingSidecarImage } from "./routing-sidecar.js";
import { schedulerImage } from "./scheduler.js";
import { storageInitializerImage } from "./storage-initializer.js";
import { vllmImage } from "./vllm.js";

/**
 * The images the testbed's kubelet can run, matched on the image's repository name (the last
 * path segment without tag): any other image fails to pull, as it would offline.
 *
 * | repository contains            | runs                                   |
 * |--------------------------------|----------------------------------------|
 * | storage-initializer            | KServe storage initializer (model id)  |
 * | routing-sidecar                | llm-d routing sidecar                  |
 * | inference-scheduler, `epp`     | the Endpoint Picker                    |
 * | proxyv2                        | istio-proxy: the Envoy-like gateway    |
 * | vllm, `llm-d-inference-sim`    | vllm-sim                               |
 * | `authorino`, `limitador`       | Kuadrant's data plane                  |
 * | `curl` (curlimages/curl)       | curl with the container's arguments    |
 */
export const TESTBED_IMAGES: readonly ContainerImage[] = [
  storageInitializerImage,
  routingSidecarImage,
  schedulerImage,
  istioProxyImage,
  authorinoImage,
  limitadorImage,
  vllmImage,
  curlImage,
];
