import { describe, expect, it } from "vitest";
import { EndpointsFileError, parseEndpointList, parseEndpointsYaml } from "../src/discovery/endpoints-file.js";
import { EppArgsError, parseEppArgs, parseGoDuration } from "../src/epp-args.js";

describe("EPP command line", () => {
  it("reads the real EPP's Go-style flags", () => {
    const { options } = parseEppArgs([
      "--grpc-port=9002",
      "-grpc-health-port",
      "9003",
      "--pool-name",
      "qwen3-0-6b-inference-pool",
      "--pool-group",
      "inference.networking.x-k8s.io",
      "--secure-serving",
      "--cert-path",
      "/var/run/kserve/tls",
      "--refresh-metrics-interval=50ms",
      "--metrics-staleness-threshold",
      "2s",
      "-v=4",
    ]);
    expect(options).toEqual({
      grpcPort: 9002,
      grpcHealthPort: 9003,
      poolName: "qwen3-0-6b-inference-pool",
      poolGroup: "inference.networking.x-k8s.io",
      secureServing: true,
      certPath: "/var/run/kserve/tls",
      refreshMetricsIntervalMs: 50,
      metricsStalenessThresholdMs: 2000,
      verbosity: 4,
    });
  });

  it("turns secure serving off with --secure-serving=false", () => {
    expect(parseEppArgs(["--secure-serving=false"]).options.secureServing).toBe(false);
  });

  it("parses Go durations and refuses bad values", () => {
    expect(parseGoDuration("x", "1m30s")).toBe(90_000);
    expect(parseGoDuration("x", "250us")).toBeCloseTo(0.25);
    expect(() => parseEppArgs(["--refresh-metrics-interval", "fast"])).toThrow(EppArgsError);
    expect(() => parseEppArgs(["--grpc-port", "x"])).toThrow(/invalid value "x" for flag -grpc-port/);
  });

  it("chooses the emulated version and the body caps, and refuses an unknown version", () => {
    const { options } = parseEppArgs(["--emulate=llm-d-router-main", "--max-body-bytes-per-stream", "1024"]);
    expect(options).toEqual({ emulate: "llm-d-router-main", maxBodyBytesPerStream: 1024 });
    expect(() => parseEppArgs(["--emulate", "gie-v9"])).toThrow(
      /invalid value "gie-v9" for flag -emulate: must be one of gie-v1.2, gie-v1.5, llm-d-router-c51b75a1d, llm-d-router-main/,
    );
  });

  it("reports flags it does not model instead of failing", () => {
    expect(parseEppArgs(["--kv-cache-usage-threshold=0.8"]).ignored).toEqual(["--kv-cache-usage-threshold"]);
  });
});

describe("static discovery", () => {
  it("reads llm-d's endpoints.yaml with labels, defaulting the namespace", () => {
    const endpoints = parseEndpointsYaml(
      'endpoints:\n- name: vllm-0\n  address: "10.0.0.1"\n  port: "8000"\n  labels: {llm-d.ai/role: decode}\n',
      "endpoints.yaml",
    );
    expect(endpoints).toEqual([
      {
        namespacedName: "default/vllm-0",
        address: "10.0.0.1",
        port: 8000,
        labels: { "llm-d.ai/role": "decode" },
        ready: true,
      },
    ]);
  });

  it("names the file and the field that is wrong", () => {
    expect(() => parseEndpointsYaml('endpoints:\n- name: a\n  address: "my-host"\n  port: "80"\n', "e.yaml")).toThrow(
      new EndpointsFileError('e.yaml: endpoints[0].address: must be an IPv4 address, got "my-host"'),
    );
    expect(() => parseEndpointsYaml('endpoints:\n- name: a\n  address: "10.0.0.1"\n  port: "0"\n', "e.yaml")).toThrow(
      /endpoints\[0\]\.port/,
    );
    expect(() => parseEndpointList("10.0.0.1")).toThrow(/not ip:port/);
  });
});
