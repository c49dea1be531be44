/**
 * The configuration the EPP uses when none is given (GIE's default): one `default` profile with
 * queue-scorer (2), kv-cache-utilization-scorer (2) and prefix-cache-scorer (3); the loader adds
 * single-profile-handler and max-score-picker. This is the seed's "default EndpointPickerConfig"
 * that treats prefill and decode pods alike (Bug 4).
 */
export const DEFAULT_CONFIG_TEXT = `apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
schedulingProfiles:
- name: default
  plugins:
  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
`;
