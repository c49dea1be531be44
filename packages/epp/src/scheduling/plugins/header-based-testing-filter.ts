import { TEST_SELECTION_HEADER } from "@testbed/protocol";
import type { Endpoint } from "../../datastore/endpoint.js";
import type { Filter } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * header-based-testing-filter (GIE conformance): keeps only the endpoints listed in the request
 * header `test-epp-endpoint-selection` ("ip" or "ip:port", comma-separated), in header order. No
 * header, no endpoints — conformance tests always say where they want to go.
 */
export const headerBasedTestingFilter: PluginDefinition = {
  type: "header-based-testing-filter",
  create(name, parameters): Filter {
    parameters.done();
    return {
      type: "header-based-testing-filter",
      name,
      filter(_cycle, request, endpoints) {
        const wanted = (request.headers[TEST_SELECTION_HEADER] ?? "")
          .split(",")
          .map((entry) => entry.trim().replace(/^\[(.*)\](:\d+)?$/, "$1$2"))
          .filter((entry) => entry !== "");
        const kept: Endpoint[] = [];
        const seenIps = new Set<string>();
        for (const entry of wanted) {
          const match = endpoints.find((e) => `${e.address}:${e.port}` === entry || e.address === entry);
          if (match && !seenIps.has(match.address)) {
            kept.push(match);
            seenIps.add(match.address);
          }
        }
        return kept;
      },
    };
  },
};
