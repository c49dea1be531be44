/**
 * The seed's P/D-aware EndpointPickerConfig (its Bug 4 fix), verbatim: pd-profile-handler with
 * threshold 0, prefill and decode profiles filtering on llm-d.ai/role, queue (1) and prefix-cache (3)
 * scorers. Shipped as an example and used by the tests and the contract suite.
 */
export const SEED_PD_CONFIG_TEXT = `plugins:
- type: prefill-header-handler
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: queue-scorer
- type: prefix-cache-scorer
- type: pd-profile-handler
  parameters:
    threshold: 0
schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
  - pluginRef: queue-scorer
    weight: 1.0
  - pluginRef: prefix-cache-scorer
    weight: 3.0
  - pluginRef: max-score-picker
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: queue-scorer
    weight: 1.0
  - pluginRef: prefix-cache-scorer
    weight: 3.0
  - pluginRef: max-score-picker
`;
