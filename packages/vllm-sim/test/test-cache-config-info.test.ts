// vllm:cache_config_info with vLLM 0.11.2's whole label set: str() of every CacheConfig field
// (CacheConfig.metrics_info) plus the engine index (PrometheusStatLogger.log_metrics_info).
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { describe, expect, it } from "vitest";
import { testApp } from "./server-harness.js";

async function cacheConfigInfo(overrides: Parameters<typeof testApp>[0]): Promise<Record<string, string>> {
  const { app } = testApp(overrides);
  const response = await app.inject({ method: "GET", url: "/metrics" });
  await app.close();
  const family = parsePrometheusTextFormat(response.body).find((f) => f.name === "vllm:cache_config_info");
  expect(family?.metrics).toHaveLength(1);
  expect(family?.metrics[0]?.value).toBe("1");
  return family?.metrics[0]?.labels ?? {};
}

describe("vllm:cache_config_info", () => {
  it("carries every CacheConfig field of vLLM 0.11.2 and the engine", async () => {
    const labels = await cacheConfigInfo({});
    expect(Object.keys(labels).sort()).toEqual(
      [
        "block_size",
        "gpu_memory_utilization",
        "swap_space",
        "cache_dtype",
        "is_attention_free",
        "num_gpu_blocks_override",
        "sliding_window",
        "enable_prefix_caching",
        "prefix_caching_hash_algo",
        "cpu_offload_gb",
        "calculate_kv_scales",
        "cpu_kvcache_space_bytes",
        "mamba_page_size_padded",
        "mamba_block_size",
        "mamba_cache_dtype",
        "mamba_ssm_cache_dtype",
        "num_gpu_blocks",
        "num_cpu_blocks",
        "kv_sharing_fast_prefill",
        "kv_cache_memory_bytes",
        "kv_offloading_size",
        "kv_offloading_backend",
        "engine",
      ].sort(),
    );
    expect(labels).toMatchObject({
      swap_space: "4.0",
      cpu_offload_gb: "0.0",
      mamba_cache_dtype: "auto",
      kv_offloading_backend: "None",
      num_cpu_blocks: "None",
      engine: "0",
    });
  });

  it("follows the flags: prefix caching, a block override, a KV memory size", async () => {
    const labels = await cacheConfigInfo({
      enablePrefixCaching: true,
      numGpuBlocksOverride: 512,
      blockSize: 32,
      maxModelLen: 4096,
    });
    expect(labels).toMatchObject({
      enable_prefix_caching: "True",
      num_gpu_blocks_override: "512",
      num_gpu_blocks: "512",
      block_size: "32",
      kv_cache_memory_bytes: "None",
    });
    const sized = await cacheConfigInfo({ kvCacheMemoryBytes: 1073741824, maxModelLen: 4096 });
    expect(sized.kv_cache_memory_bytes).toBe("1073741824");
  });
});
