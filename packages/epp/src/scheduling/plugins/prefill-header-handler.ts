import { PREFILLER_HEADER } from "@testbed/protocol";
import { hostPort } from "../../datastore/endpoint.js";
import type { PreRequest } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * prefill-header-handler (llm-d): when the prefill profile chose a pod, tell the decode pod's
 * routing sidecar where to run the remote prefill, with `x-prefiller-host-port: <ip:port>`.
 */
export const prefillHeaderHandler: PluginDefinition = {
  type: "prefill-header-handler",
  create(name, parameters): PreRequest {
    const prefillProfile = parameters.string("prefillProfile", "prefill");
    parameters.done();
    return {
      type: "prefill-header-handler",
      name,
      preRequest(_request, result, headers) {
        const prefill = result.profileResults[prefillProfile]?.targetEndpoints[0];
        if (prefill) headers[PREFILLER_HEADER] = hostPort(prefill);
      },
    };
  },
};
