import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/scheduling/config/config-error.js";
import { load, SEED_PD_CONFIG } from "./scheduling-builders.js";

function loadError(text: string): ConfigError {
  try {
    load(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the config loaded");
}

describe("EndpointPickerConfig loader", () => {
  it("uses GIE's default when no config is given: queue 2, kv-cache-utilization 2, prefix-cache 3 in one profile", () => {
    const config = load(undefined);
    const profile = config.profiles.get("default");
    expect(profile?.scorers.map((s) => [s.scorer.type, s.weight])).toEqual([
      ["queue-scorer", 2],
      ["kv-cache-utilization-scorer", 2],
      ["prefix-cache-scorer", 3],
    ]);
    expect(profile?.picker.type).toBe("max-score-picker");
    expect(config.profileHandler.type).toBe("single-profile-handler");
    expect(profile?.filters).toEqual([]);
  });

  it("loads the seed's P/D config: two profiles, role filters, pd-profile-handler, prefill-header-handler", () => {
    const config = load(SEED_PD_CONFIG);
    expect([...config.profiles.keys()]).toEqual(["prefill", "decode"]);
    expect(config.profiles.get("decode")?.filters.map((f) => f.type)).toEqual(["decode-filter"]);
    expect(config.profiles.get("prefill")?.scorers.map((s) => s.weight)).toEqual([1, 3]);
    expect(config.profileHandler.type).toBe("pd-profile-handler");
    expect(config.preRequest.map((p) => p.type).sort()).toEqual(["prefill-header-handler", "prefix-cache-scorer"]);
  });

  it("makes a default profile of every plugin when schedulingProfiles is left out", () => {
    const config = load("plugins:\n- type: queue-scorer\n- type: decode-filter\n");
    const profile = config.profiles.get("default");
    expect(profile?.filters.map((f) => f.type)).toEqual(["decode-filter"]);
    expect(profile?.scorers.map((s) => [s.scorer.type, s.weight])).toEqual([["queue-scorer", 1]]);
  });

  it("names the source, the field and the reason for an unknown plugin type", () => {
    const error = loadError("plugins:\n- type: queue-scorer\n- type: qeue-scorer\n");
    expect(error.source).toBe("test.yaml");
    expect(error.field).toBe("plugins[1].type");
    expect(error.message).toMatch(
      /^test\.yaml: plugins\[1\]\.type: configuration validation failed: plugin type 'qeue-scorer' is not registered \(the testbed knows: .*queue-scorer/,
    );
  });

  it.each([
    [
      "plugins:\n- type: queue-scorer\n- type: queue-scorer\n",
      "plugins[1].name",
      /configuration validation failed: duplicate plugin name 'queue-scorer'/,
    ],
    [
      "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: a\n  plugins:\n  - pluginRef: kv\n",
      "schedulingProfiles[0].plugins[0].pluginRef",
      /schedulingProfiles\[a\] references undefined plugin 'kv'/,
    ],
    [
      "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: a\n  plugins:\n  - pluginRef: queue-scorer\n    weight: heavy\n",
      "schedulingProfiles[0].plugins[0].weight",
      /non-negative number/,
    ],
    [
      "plugins:\n- type: pd-profile-handler\n  parameters:\n    threshold: zero\n",
      "plugins[0].parameters.threshold",
      /must be a number/,
    ],
    [
      "plugins:\n- type: queue-scorer\n  parameters:\n    weight: 2\n",
      "plugins[0].parameters.weight",
      /unknown parameter/,
    ],
    [
      "plugins:\n- type: pd-profile-handler\n- type: queue-scorer\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: queue-scorer\n",
      "schedulingProfiles",
      /needs a profile named "decode"/,
    ],
    [
      "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: a\n  plugins: [{pluginRef: queue-scorer}]\n- name: b\n  plugins: [{pluginRef: queue-scorer}]\n",
      "plugins",
      /SingleProfileHandler cannot support multiple scheduling profiles/,
    ],
    [
      "plugins:\n- type: max-score-picker\n- {type: random-picker}\nschedulingProfiles:\n- name: a\n  plugins: [{pluginRef: max-score-picker}, {pluginRef: random-picker}]\n",
      "schedulingProfiles[0].plugins[1].pluginRef",
      /already has picker/,
    ],
    ["kind: InferencePool\n", "kind", /must be EndpointPickerConfig/],
    ["plugins: [\n", "line 2, column 1", /invalid YAML/],
    ["plugin:\n- type: queue-scorer\n", "plugin", /strict decoding error: unknown field "plugin"/],
  ])("refuses %j at %s", (text, field, reason) => {
    const error = loadError(text);
    expect(error.field).toBe(field);
    expect(error.reason).toMatch(reason);
  });

  it("accepts newer sections it does not model (featureGates, saturationDetector) and reports them", () => {
    const config = load("featureGates: [dataLayer]\nsaturationDetector: {}\nplugins:\n- type: queue-scorer\n");
    expect(config.ignoredSections).toEqual(["featureGates", "saturationDetector"]);
  });
});
