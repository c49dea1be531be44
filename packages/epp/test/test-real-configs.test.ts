// Configs users paste — GIE's default and the llm-d well-lit path guides (fixtures copied from
// llm-d-router test/integration/epp/wellknown_configs_test.go and testdata/default-config.yaml) —
// load; every plugin the testbed does not model is named in a warning; invalid configs are refused
// with the real loader's wording and the field path.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { silentSink } from "@testbed/common";
import { PREFILLER_HEADER } from "@testbed/protocol";
import { describe, expect, it } from "vitest";
import { startEpp } from "../src/epp.js";
import { ROLE_LABEL } from "../src/scheduling/plugins/label-filters.js";
import { Scheduler } from "../src/scheduling/scheduler.js";
import { chatRequest, context, endpoint, load } from "./scheduling-builders.js";

const dir = fileURLToPath(new URL("./fixtures/real-configs/", import.meta.url));
const fixtures = readdirSync(dir).filter((file) => file.endsWith(".yaml"));
const fixture = (file: string) => readFileSync(join(dir, file), "utf8");

describe("real configs load", () => {
  it("has the fixtures", () => expect(fixtures.length).toBeGreaterThanOrEqual(9));

  for (const file of fixtures) {
    it(`loads ${file}`, () => {
      const config = load(fixture(file));
      expect(config.profiles.size).toBeGreaterThan(0);
    });
  }

  it("names each unmodelled plugin and section in a warning", () => {
    const config = load(fixture("gie-default-with-parser.yaml"));
    expect(config.warnings).toEqual([
      'plugin "lora-affinity-scorer" (lora-affinity-scorer) loads as a no-op: LoRA affinity is not modelled',
      'plugin "openai-parser" (openai-parser) loads as a no-op: the EPP parses OpenAI JSON bodies itself',
      'section "requestHandler" is accepted but not modelled',
    ]);
  });

  it("the modelled plugins of optimized-baseline still decide: the shorter queue wins", () => {
    const config = load(fixture("optimized-baseline.yaml"));
    const scheduler = new Scheduler(config);
    const { result } = scheduler.schedule(chatRequest("hello"), [
      endpoint(1, { waitingQueueSize: 9 }),
      endpoint(2, { waitingQueueSize: 0 }),
    ]);
    expect(result.profileResults.default?.targetEndpoints[0]?.address).toBe("10.0.0.2");
  });

  it("pd-disaggregation runs decode then prefill and sets the prefill header", () => {
    const ctx = context();
    const config = load(fixture("pd-disaggregation.yaml"), ctx);
    const scheduler = new Scheduler(config);
    const request = chatRequest("a long prompt ".repeat(20));
    const { result } = scheduler.schedule(request, [
      endpoint(1, {}, { [ROLE_LABEL]: "prefill" }),
      endpoint(2, {}, { [ROLE_LABEL]: "decode" }),
    ]);
    expect(result.primaryProfileName).toBe("decode");
    expect(result.profileResults.decode?.targetEndpoints[0]?.address).toBe("10.0.0.2");
    expect(result.profileResults.prefill?.targetEndpoints[0]?.address).toBe("10.0.0.1");
    const headers: Record<string, string> = {};
    for (const plugin of config.preRequest) plugin.preRequest(request, result, headers);
    expect(headers[PREFILLER_HEADER]).toBe("10.0.0.1:8000");
    expect(ctx.decisions).toEqual(["prefill-decode"]);
  });

  it("prefix-based-pd-decider keeps a short prompt on the decode pod", () => {
    const ctx = context();
    const config = load(
      fixture("pd-disaggregation.yaml")
        .replace(
          /^( *)- type: always-disagg-pd-decider$/m,
          "$1- type: prefix-based-pd-decider\n$1  parameters:\n$1    nonCachedTokens: 100",
        )
        .replace("deciderPluginName: always-disagg-pd-decider", "deciderPluginName: prefix-based-pd-decider"),
      ctx,
    );
    const scheduler = new Scheduler(config);
    const { result } = scheduler.schedule(chatRequest("short"), [
      endpoint(1, {}, { [ROLE_LABEL]: "prefill" }),
      endpoint(2, {}, { [ROLE_LABEL]: "decode" }),
    ]);
    expect(result.profileResults.prefill).toBeUndefined();
    expect(ctx.decisions).toEqual(["decode-only"]);
  });
});

describe("invalid configs are refused with the real loader's words and the field path", () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      "an unknown top-level field",
      "plugins:\n- type: queue-scorer\nschedulingProfile: []\n",
      /^test\.yaml: schedulingProfile: failed to decode configuration JSON\/YAML: strict decoding error: unknown field "schedulingProfile"$/,
    ],
    [
      "an unknown field in a plugin entry",
      "plugins:\n- type: queue-scorer\n  params: {}\n",
      /plugins\[0\]\.params: .*unknown field "plugins\[0\]\.params"/,
    ],
    [
      "an unknown plugin type",
      "plugins:\n- type: lora-afinity-scorer\n",
      /plugins\[0\]\.type: configuration validation failed: plugin type 'lora-afinity-scorer' is not registered/,
    ],
    [
      "a plugin without a type",
      "plugins:\n- name: x\n",
      /plugins\[0\]\.type: configuration validation failed: plugin 'x' is missing a type/,
    ],
    [
      "a profile naming an undefined plugin",
      "plugins:\n- type: queue-scorer\nschedulingProfiles:\n- name: default\n  plugins:\n  - pluginRef: kv\n",
      /schedulingProfiles\[0\]\.plugins\[0\]\.pluginRef: .*schedulingProfiles\[default\] references undefined plugin 'kv'/,
    ],
    [
      "a parser that is not loaded",
      "plugins:\n- type: queue-scorer\nrequestHandler:\n  parsers:\n  - pluginRef: openai-parser\n",
      /requestHandler\.parsers\[0\]\.pluginRef: parser registry build failed: the configured parser "openai-parser" is not loaded/,
    ],
    [
      "a saturation detector that is not defined",
      "plugins:\n- type: queue-scorer\nsaturationDetector:\n  pluginRef: concurrency-detector\n",
      /saturation detector references undefined plugin 'concurrency-detector'/,
    ],
    [
      "a decider that is not one",
      "plugins:\n- type: queue-scorer\n- type: disagg-profile-handler\n  parameters:\n    deciderPluginName: queue-scorer\nschedulingProfiles:\n- name: decode\n  plugins:\n  - pluginRef: queue-scorer\n",
      /plugins\[1\]\.parameters\.deciderPluginName: plugin 'queue-scorer' is not a P\/D decider/,
    ],
  ];
  for (const [what, text, message] of cases) {
    it(`refuses ${what}`, () => expect(() => load(text)).toThrow(message));
  }
});

describe("llm-d-router's no-Kubernetes mode", () => {
  it("reads the pool from the endpoints file a file-discovery plugin names in dataLayer.discovery", async () => {
    const dir = await mkdtemp(join(tmpdir(), "file-discovery-"));
    const endpoints = join(dir, "endpoints.yaml");
    await writeFile(
      endpoints,
      'endpoints:\n  - name: vllm-0\n    address: "127.0.0.1"\n    port: "1"\n    labels:\n      llm-d.ai/role: decode\n',
    );
    const configText = [
      "apiVersion: llm-d.ai/v1alpha1",
      "kind: EndpointPickerConfig",
      "plugins:",
      "  - type: file-discovery",
      "    name: file-discovery",
      "    parameters:",
      `      path: ${endpoints}`,
      "      watchFile: true",
      "  - type: queue-scorer",
      "dataLayer:",
      "  discovery:",
      "    pluginRef: file-discovery",
    ].join("\n");
    const handle = await startEpp({
      grpcPort: 0,
      grpcHealthPort: 0,
      metricsPort: 0,
      secureServing: false,
      configText,
      log: silentSink,
    });
    try {
      expect(handle.datastore.all().map((e) => `${e.address}:${e.port}`)).toEqual(["127.0.0.1:1"]);
    } finally {
      await handle.close();
    }
  });
});
