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
import { needsPlugins } from "../plugins/disagg-plugins.js";
import { isFileDiscovery } from "../plugins/file-discovery.js";
import type { PluginRegistry } from "../plugins/registry.js";
import { isUnmodelled } from "../plugins/unmodelled-plugins.js";
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
  /** One line per accepted-but-unmodelled plugin or section, for the EPP's startup log. */
  warnings: string[];
  /** The endpoints file `dataLayer.discovery` names through a file-discovery plugin, if any. */
  discoveryFile: string | undefined;
}

const API_VERSIONS = ["inference.networking.x-k8s.io/v1alpha1", "llm-d.ai/v1alpha1", "llm-d.ai/v1"];
const KNOWN_SECTIONS = ["apiVersion", "kind", "plugins", "schedulingProfiles"];
/** The other fields of the real EndpointPickerConfig type (llm-d-router apix/config/v1alpha1); anything else is refused. */
const ACCEPTED_SECTIONS = [
  "featureGates",
  "saturationDetector",
  "dataLayer",
  "data",
  "flowControl",
  "parser",
  "requestHandler",
  "discovery",
];

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
    if (!KNOWN_SECTIONS.includes(key) && !ACCEPTED_SECTIONS.includes(key)) throw unknownField(key);
  }
  const plugins = instantiatePlugins(config.plugins, registry, context);
  const profiles = assembleProfiles(config.schedulingProfiles, plugins, registry, context);
  const profileHandler = chooseProfileHandler(plugins, profiles, registry, context);
  checkSectionReferences(config, plugins);
  const all = [...plugins.values()];
  const warnings = [
    ...all.filter(isUnmodelled).map((p) => `plugin "${p.name}" (${p.type}) loads as a no-op: ${p.unmodelled}`),
    ...ignoredSections.map((section) => `section "${section}" is accepted but not modelled`),
  ];
  return {
    plugins,
    profiles,
    profileHandler,
    preRequest: all.filter(isPreRequest),
    responseHeaders: all.filter(isResponseHeadersPlugin),
    ignoredSections,
    warnings,
    discoveryFile: discoveryFile(config, plugins),
  };
}

/** dataLayer.discovery.pluginRef (or .endpoints.pluginRef, or a top-level discovery) → a file-discovery plugin's path. */
function discoveryFile(config: Record<string, unknown>, plugins: Map<string, Plugin>): string | undefined {
  type Ref = { pluginRef?: string; endpoints?: { pluginRef?: string } } | undefined;
  const dataLayer = config.dataLayer as { discovery?: Ref } | undefined;
  const section = dataLayer?.discovery ?? (config.discovery as Ref);
  const ref = section?.pluginRef ?? section?.endpoints?.pluginRef;
  if (ref === undefined) return undefined;
  const plugin = plugins.get(ref);
  if (!isFileDiscovery(plugin)) {
    throw new FieldError("dataLayer.discovery.pluginRef", `the plugin ${ref} is not an endpoint discovery plugin`);
  }
  return plugin.path;
}

/** The Kubernetes strict decoder's wording for a field the type does not have. */
function unknownField(path: string): FieldError {
  return new FieldError(
    path,
    `failed to decode configuration JSON/YAML: strict decoding error: unknown field "${path}"`,
  );
}

/** Fields of a list entry the real type has; anything else is refused like the strict decoder does. */
function checkFields(entry: object, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(entry)) if (!allowed.includes(key)) throw unknownField(`${path}.${key}`);
}

/** requestHandler.parsers and saturationDetector name plugins that must exist (the real loader's checks). */
function checkSectionReferences(config: Record<string, unknown>, plugins: Map<string, Plugin>): void {
  const handler = config.requestHandler as
    | { parsers?: Array<{ pluginRef?: string }>; parser?: { pluginRef?: string } }
    | undefined;
  (handler?.parsers ?? (handler?.parser ? [handler.parser] : [])).forEach((parser, index) => {
    if (!parser?.pluginRef || !plugins.has(parser.pluginRef)) {
      throw new FieldError(
        `requestHandler.parsers[${index}].pluginRef`,
        `parser registry build failed: the configured parser "${parser?.pluginRef ?? ""}" is not loaded`,
      );
    }
  });
  const flowControl = config.flowControl as { saturationDetector?: { pluginRef?: string } } | undefined;
  const detector = flowControl?.saturationDetector ?? (config.saturationDetector as { pluginRef?: string } | undefined);
  if (detector?.pluginRef !== undefined && !plugins.has(detector.pluginRef)) {
    throw new FieldError(
      "saturationDetector.pluginRef",
      `configuration validation failed: saturation detector validation failed: saturation detector references undefined plugin '${detector.pluginRef}'`,
    );
  }
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
    checkFields(entry, path, ["name", "type", "parameters"]);
    const declaredName = typeof entry.name === "string" ? entry.name : "";
    if (typeof entry.type !== "string" || entry.type === "") {
      throw new FieldError(
        `${path}.type`,
        `configuration validation failed: plugin '${declaredName}' is missing a type`,
      );
    }
    const definition = registry.get(entry.type);
    if (!definition) {
      throw new FieldError(
        `${path}.type`,
        `configuration validation failed: plugin type '${entry.type}' is not registered (the testbed knows: ${registry.types.join(", ")})`,
      );
    }
    const name = entry.name === undefined ? entry.type : entry.name;
    if (typeof name !== "string" || name === "") throw new FieldError(`${path}.name`, "must be a non-empty string");
    if (plugins.has(name)) {
      throw new FieldError(`${path}.name`, `configuration validation failed: duplicate plugin name '${name}'`);
    }
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
  for (const plugin of plugins.values()) {
    if (needsPlugins(plugin)) {
      const index = [...plugins.keys()].indexOf(plugin.name);
      try {
        plugin.bind(plugins);
      } catch (error) {
        if (error instanceof FieldError) throw new FieldError(`plugins[${index}].${error.field}`, error.reason);
        throw error;
      }
    }
  }
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
    if (typeof entry === "object" && entry !== null) checkFields(entry, path, ["name", "plugins"]);
    if (typeof entry?.name !== "string" || entry.name === "") {
      throw new FieldError(
        `${path}.name`,
        `configuration validation failed: scheduling profile validation failed: schedulingProfiles[${index}] is missing a name`,
      );
    }
    if (profiles.has(entry.name)) {
      throw new FieldError(
        `${path}.name`,
        `configuration validation failed: scheduling profile validation failed: schedulingProfiles[${index}] has duplicate name '${entry.name}'`,
      );
    }
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
    if (typeof ref === "object" && ref !== null) checkFields(ref, refPath, ["pluginRef", "weight"]);
    const failed = "configuration validation failed: scheduling profile validation failed";
    if (typeof ref?.pluginRef !== "string" || ref.pluginRef === "") {
      throw new FieldError(
        `${refPath}.pluginRef`,
        `${failed}: schedulingProfiles[${name}].plugins[${index}] is missing a 'pluginRef'`,
      );
    }
    const plugin = plugins.get(ref.pluginRef);
    if (!plugin) {
      throw new FieldError(
        `${refPath}.pluginRef`,
        `${failed}: schedulingProfiles[${name}] references undefined plugin '${ref.pluginRef}'`,
      );
    }
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
    // Producers and other data plugins may sit in a profile (llm-d's predicted-latency guide does);
    // they take no part in the testbed's filter/score/pick, so they are skipped.
    if (!used && !isUnmodelled(plugin) && !isProfileHandler(plugin)) {
      throw new FieldError(
        `${refPath}.pluginRef`,
        `failed to add plugin '${ref.pluginRef}' to profile '${name}': ${plugin.type} is not a filter, scorer or picker`,
      );
    }
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
      `scheduler config build failed: multiple profile handlers found ('${handlers[0]?.name}', '${handlers[1]?.name}'); only one is allowed`,
    );
  const handler = handlers[0];
  if (handler) {
    if (handler.type === "pd-profile-handler" && !profiles.has("decode")) {
      throw new FieldError("schedulingProfiles", 'pd-profile-handler needs a profile named "decode" (and "prefill")');
    }
    if (handler.type === "single-profile-handler" && profiles.size > 1) {
      throw new FieldError(
        "schedulingProfiles",
        "scheduler config build failed: SingleProfileHandler cannot support multiple scheduling profiles",
      );
    }
    return handler;
  }
  if (profiles.size > 1) {
    throw new FieldError(
      "plugins",
      "scheduler config build failed: SingleProfileHandler cannot support multiple scheduling profiles",
    );
  }
  return registry
    .get("single-profile-handler")
    ?.create("single-profile-handler", new PluginParameters({}, "single-profile-handler"), context) as ProfileHandler;
}
