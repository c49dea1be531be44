// The EndpointPickerConfigs KServe's scheduler preset passes as `--config-text` when the user's
// args carry no config flag: a prefill/decode config when the service has `spec.prefill`, and a
// single-profile config otherwise (both as RHOAI 3.2's kserve-config-llm-scheduler describes them).

/** The prefill/decode config, for a service with `spec.prefill`. */
export const DEFAULT_PD_SCHEDULER_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: prefill-header-handler
- type: prefill-filter
- type: decode-filter
- type: max-score-picker
- type: prefix-cache-scorer
- type: queue-scorer
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
    weight: 2.0
  - pluginRef: max-score-picker
- name: decode
  plugins:
  - pluginRef: decode-filter
  - pluginRef: queue-scorer
    weight: 1.0
  - pluginRef: prefix-cache-scorer
    weight: 2.0
  - pluginRef: max-score-picker
`;

export const DEFAULT_SCHEDULER_CONFIG = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: single-profile-handler
- type: prefix-cache-scorer
- type: load-aware-scorer
- type: max-score-picker
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: prefix-cache-scorer
    weight: 2.0
  - pluginRef: load-aware-scorer
    weight: 1.0
  - pluginRef: max-score-picker
`;
