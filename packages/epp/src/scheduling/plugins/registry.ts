import { activeRequestScorer } from "./active-request-scorer.js";
import {
  alwaysDisaggPdDecider,
  disaggHeadersHandler,
  disaggProfileHandler,
  prefixBasedPdDecider,
} from "./disagg-plugins.js";
import { fileDiscovery } from "./file-discovery.js";
import { headerBasedTestingFilter } from "./header-based-testing-filter.js";
import { kvCacheUtilizationScorer } from "./kv-cache-utilization-scorer.js";
import { byLabel, byLabelSelector, decodeFilter, prefillFilter } from "./label-filters.js";
import { loadAwareScorer } from "./load-aware-scorer.js";
import { maxScorePicker, randomPicker, weightedRandomPicker } from "./pickers.js";
import type { PluginDefinition } from "./plugin-definition.js";
import { prefillHeaderHandler } from "./prefill-header-handler.js";
import { prefixCacheScorer } from "./prefix-cache-scorer.js";
import { pdProfileHandler, singleProfileHandler } from "./profile-handlers.js";
import { queueScorer } from "./queue-scorer.js";
import { sessionAffinityScorer } from "./session-affinity-scorer.js";
import { UNMODELLED_PLUGINS } from "./unmodelled-plugins.js";

/**
 * Every plugin type an EndpointPickerConfig may name. Adding a plugin is one file exporting a
 * PluginDefinition and one line here.
 */
const BUILT_IN: readonly PluginDefinition[] = [
  queueScorer,
  kvCacheUtilizationScorer,
  prefixCacheScorer,
  loadAwareScorer,
  sessionAffinityScorer,
  maxScorePicker,
  randomPicker,
  weightedRandomPicker,
  singleProfileHandler,
  pdProfileHandler,
  prefillHeaderHandler,
  prefillFilter,
  decodeFilter,
  byLabel,
  byLabelSelector,
  headerBasedTestingFilter,
  activeRequestScorer,
  disaggProfileHandler,
  disaggHeadersHandler,
  alwaysDisaggPdDecider,
  prefixBasedPdDecider,
  fileDiscovery,
  ...UNMODELLED_PLUGINS,
];

export class PluginRegistry {
  private readonly definitions = new Map<string, PluginDefinition>();

  constructor(definitions: readonly PluginDefinition[] = BUILT_IN) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: PluginDefinition): void {
    this.definitions.set(definition.type, definition);
  }

  get(type: string): PluginDefinition | undefined {
    return this.definitions.get(type);
  }

  get types(): string[] {
    return [...this.definitions.keys()].sort();
  }
}
