import type { PluginParameters } from "../config/plugin-parameters.js";
import type { Plugin, PluginContext } from "../framework.js";

/** How a plugin type is made from its config entry. One file per plugin type exports one of these. */
export interface PluginDefinition {
  type: string;
  create(name: string, parameters: PluginParameters, context: PluginContext): Plugin;
}
