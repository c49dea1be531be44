import { parseDocument } from "yaml";
import type { PluginContext } from "../framework.js";
import {
  type Filter,
  isFilter,
  isPicker,
  isPreRequest,
  isProfileHandler,
  isResponseHeadersPlugin,
  isScorer,
  type Picker,
  type Plugin,
  type PreRequest,
  type ProfileHandler,
  type ResponseHeadersPlugin,
  type SchedulingProfile,
  type Scorer,
} from "../framework.js";
import type { PluginRegistry } from "../plugins/registry.js";
import { ConfigError, FieldError } from "./config-error.js";
import { DEFAULT_CONFIG_TEXT } from "./default-config.js";
import { PluginParameters } from "./plugin-parameters.js";

/** A loaded config: its plugins, scheduling profiles, and the handlers the scheduler runs. */
export interface SchedulerConfig {
  plugins: Map<string, Plugin>;
  profiles: Map<string, SchedulingProfile>;
  profileHandler: ProfileHandler;
  preRequest: PreRequest[];
  responseHeaders: ResponseHeadersPlugin[];
  /** Sections the testbed accepts but does not model (featureGates, flowControl, …). */
  ignoredSections: string[];
}

const API_VERSIONS = ["inference.networking.x-k8s.io/v1alpha1", "llm-d.ai/v1alpha1"];
const KNOWN_SECTIONS = ["apiVersion", "kind", "plugins", "schedulingProfiles"];
const ACCEPTED_SECTIONS = ["featureGates", "saturationDetector", "dataLayer", "flowControl", "parser", "data"];

interface PluginSpec {
  name?: unknown;
  type?: unknown;
  parameters?: unknown;
}

/**
 * Loads an EndpointPickerConfig (inference.networking.x-k8s.io/v1alpha1, or llm-d.ai/v1alpha1) the
 * way the EPP's loader does: instantiate every plugin, assemble the scheduling profiles, add
 * single-profile-handler and max-score-picker where the config leaves them out, and refuse anything
 * inconsistent with an error naming the source, the field and the reason.
 */
export function loadEndpointPickerConfig(
  text: string | undefined,
  source: string,
  registry: PluginRegistry,
  context: PluginContext,
): SchedulerConfig {
  const raw = text === undefined || text.trim() === "" ? DEFAULT_CONFIG_TEXT : text;
  try {
    return assemble(parseYaml(raw), registry, context);
  } catch (error) {
    if (error instanceof FieldError) throw new ConfigError(source, error.field, error.reason);
    throw error;
  }
}

function parseYaml(text: string): Record<string, unknown> {
  const document = parseDocument(text);
  const problem = document.errors[0];
  if (problem) {
    const line = problem.linePos?.[0];
    throw new FieldError(
      line ? `line ${line.line}, column ${line.col}` : "(document)",
      `invalid YAML: ${problem.message.split("\n")[0]}`,
    );
  }
  const value = document.toJS() as unknown;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FieldError("(document)", "must be a map with plugins and schedulingProfiles");
  }
  return value as Record<string, unknown>;
}

function assemble(config: Record<string, unknown>, registry: PluginRegistry, context: PluginContext): SchedulerConfig {
  checkHeader(config);
  const ignoredSections = Object.keys(config).filter((key) => ACCEPTED_SECTIONS.includes(key));
  for (const key of Object.keys(config)) {
    if (!KNOWN_SECTIONS.includes(key) && !ACCEPTED_SECTIONS.includes(key)) throw new FieldError(key, "unknown field");
  }
  const plugins = instantiatePlugins(config.plugins, registry, context);
  const profiles = assembleProfiles(config.schedulingProfiles, plugins, registry, context);
  const profileHandler = chooseProfileHandler(plugins, profiles, registry, context);
  const all = [...plugins.values()];
  return {
    plugins,
    profiles,
    profileHandler,
    preRequest: all.filter(isPreRequest),
    responseHeaders: all.filter(isResponseHeadersPlugin),
    ignoredSections,
  };
}

function checkHeader(config: Record<string, unknown>): void {
  if (config.apiVersion !== undefined && !API_VERSIONS.includes(String(config.apiVersion))) {
    throw new FieldError("apiVersion", `must be one of ${API_VERSIONS.join(", ")}, got ${String(config.apiVersion)}`);
  }
  if (config.kind !== undefined && config.kind !== "EndpointPickerConfig") {
    throw new FieldError("kind", `must be EndpointPickerConfig, got ${String(config.kind)}`);
  }
}

function instantiatePlugins(raw: unknown, registry: PluginRegistry, context: PluginContext): Map<string, Plugin> {
  if (raw === undefined) raw = [];
  if (!Array.isArray(raw)) throw new FieldError("plugins", "must be a list");
  const plugins = new Map<string, Plugin>();
  raw.forEach((entry: PluginSpec, index) => {
    const path = `plugins[${index}]`;
    if (typeof entry !== "object" || entry === null)
      throw new FieldError(path, "must be a map with type, and optionally name and parameters");
    if (typeof entry.type !== "string" || entry.type === "") throw new FieldError(`${path}.type`, "is required");
    const definition = registry.get(entry.type);
    if (!definition) {
      throw new FieldError(
        `${path}.type`,
        `unknown plugin type "${entry.type}"; known types: ${registry.types.join(", ")}`,
      );
    }
    const name = entry.name === undefined ? entry.type : entry.name;
    if (typeof name !== "string" || name === "") throw new FieldError(`${path}.name`, "must be a non-empty string");
    if (plugins.has(name)) throw new FieldError(`${path}.name`, `duplicate plugin name "${name}"`);
    const parameters = entry.parameters ?? {};
    if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
      throw new FieldError(`${path}.parameters`, "must be a map");
    }
    try {
      plugins.set(
        name,
        definition.create(
          name,
          new PluginParameters(parameters as Record<string, unknown>, `${path}.parameters`),
          context,
        ),
      );
    } catch (error) {
      if (error instanceof FieldError && !error.field.startsWith("plugins["))
        throw new FieldError(`${path}.${error.field}`, error.reason);
      throw error;
    }
  });
  return plugins;
}

function assembleProfiles(
  raw: unknown,
  plugins: Map<string, Plugin>,
  registry: PluginRegistry,
  context: PluginContext,
): Map<string, SchedulingProfile> {
  if (raw === undefined) {
    // No profiles: one `default` profile using every filter, scorer and picker, as GIE does.
    raw = [
      {
        name: "default",
        plugins: [...plugins.entries()]
          .filter(([, p]) => isFilter(p) || isScorer(p) || isPicker(p))
          .map(([name]) => ({ pluginRef: name })),
      },
    ];
  }
  if (!Array.isArray(raw) || raw.length === 0) throw new FieldError("schedulingProfiles", "must be a non-empty list");
  const profiles = new Map<string, SchedulingProfile>();
  raw.forEach((entry: { name?: unknown; plugins?: unknown }, index) => {
    const path = `schedulingProfiles[${index}]`;
    if (typeof entry?.name !== "string" || entry.name === "") throw new FieldError(`${path}.name`, "is required");
    if (profiles.has(entry.name)) throw new FieldError(`${path}.name`, `duplicate profile name "${entry.name}"`);
    profiles.set(entry.name, assembleProfile(entry.name, entry.plugins, path, plugins, registry, context));
  });
  return profiles;
}

function assembleProfile(
  name: string,
  refs: unknown,
  path: string,
  plugins: Map<string, Plugin>,
  registry: PluginRegistry,
  context: PluginContext,
): SchedulingProfile {
  if (!Array.isArray(refs)) throw new FieldError(`${path}.plugins`, "must be a list of {pluginRef, weight}");
  const filters: Filter[] = [];
  const scorers: Array<{ scorer: Scorer; weight: number }> = [];
  let picker: Picker | undefined;
  refs.forEach((ref: { pluginRef?: unknown; weight?: unknown }, index) => {
    const refPath = `${path}.plugins[${index}]`;
    if (typeof ref?.pluginRef !== "string") throw new FieldError(`${refPath}.pluginRef`, "is required");
    const plugin = plugins.get(ref.pluginRef);
    if (!plugin) throw new FieldError(`${refPath}.pluginRef`, `no plugin named "${ref.pluginRef}" in plugins`);
    if (ref.weight !== undefined && (typeof ref.weight !== "number" || ref.weight < 0)) {
      throw new FieldError(`${refPath}.weight`, `must be a non-negative number, got ${JSON.stringify(ref.weight)}`);
    }
    let used = false;
    if (isFilter(plugin)) {
      filters.push(plugin);
      used = true;
    }
    if (isScorer(plugin)) {
      scorers.push({ scorer: plugin, weight: (ref.weight as number | undefined) ?? 1 });
      used = true;
    }
    if (isPicker(plugin)) {
      if (picker) throw new FieldError(`${refPath}.pluginRef`, `profile "${name}" already has picker "${picker.name}"`);
      picker = plugin;
      used = true;
    }
    if (!used)
      throw new FieldError(
        `${refPath}.pluginRef`,
        `"${ref.pluginRef}" (${plugin.type}) is not a filter, scorer or picker`,
      );
  });
  picker ??= registry
    .get("max-score-picker")
    ?.create("max-score-picker", new PluginParameters({}, "max-score-picker"), context) as Picker;
  return { name, filters, scorers, picker };
}

function chooseProfileHandler(
  plugins: Map<string, Plugin>,
  profiles: Map<string, SchedulingProfile>,
  registry: PluginRegistry,
  context: PluginContext,
): ProfileHandler {
  const handlers = [...plugins.values()].filter(isProfileHandler);
  if (handlers.length > 1)
    throw new FieldError(
      "plugins",
      `only one profile handler is allowed, found ${handlers.map((h) => h.name).join(", ")}`,
    );
  const handler = handlers[0];
  if (handler) {
    if (handler.type === "pd-profile-handler" && !profiles.has("decode")) {
      throw new FieldError("schedulingProfiles", 'pd-profile-handler needs a profile named "decode" (and "prefill")');
    }
    return handler;
  }
  if (profiles.size > 1) throw new FieldError("plugins", "more than one scheduling profile needs a profile handler");
  return registry
    .get("single-profile-handler")
    ?.create("single-profile-handler", new PluginParameters({}, "single-profile-handler"), context) as ProfileHandler;
}
