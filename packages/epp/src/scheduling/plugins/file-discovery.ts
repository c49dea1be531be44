import type { Plugin } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

/**
 * file-discovery (llm-d-router's no-Kubernetes mode): the pool is the endpoints file at `path`
 * (literal IPv4 addresses), referenced from `dataLayer.discovery`. The testbed reads the file once
 * at startup; `watchFile` reloading is not modelled.
 */
export interface FileDiscovery extends Plugin {
  readonly path: string;
  readonly watchFile: boolean;
}

export const fileDiscovery: PluginDefinition = {
  type: "file-discovery",
  create(name, parameters): FileDiscovery {
    const path = parameters.string("path", "");
    const watchFile = parameters.boolean("watchFile", false);
    parameters.done();
    return { type: "file-discovery", name, path, watchFile };
  },
};

export function isFileDiscovery(plugin: Plugin | undefined): plugin is FileDiscovery {
  return plugin?.type === "file-discovery";
}
