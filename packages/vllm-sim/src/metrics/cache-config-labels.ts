// The labels of vllm:cache_config_info. vLLM 0.11's PrometheusStatLogger.log_metrics_info labels the
// gauge with CacheConfig.metrics_info() — `{key: str(value) for key, value in self.__dict__.items()}`,
// every field of the pydantic dataclass (vllm/config/cache.py) in declaration order — plus `engine`.
// The API server's copy learns num_gpu_blocks from the engine core's handshake but never
// num_cpu_blocks, which stays None.
import type { KvSizing } from "../hardware/kv-cache-sizing.js";
import type { VllmSimOptions } from "../options.js";

/** Python's str() of an optional int/bool field. */
function py(value: number | boolean | undefined): string {
  if (value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  return String(value);
}

/** str() of a float field: pydantic turns EngineArgs' int defaults (swap_space=4, cpu_offload_gb=0) into floats. */
function pyFloat(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

export function cacheConfigLabels(options: VllmSimOptions, sizing: KvSizing): Record<string, string> {
  return {
    block_size: String(options.blockSize),
    gpu_memory_utilization: pyFloat(options.gpuMemoryUtilization),
    swap_space: pyFloat(4),
    cache_dtype: "auto",
    is_attention_free: "False",
    num_gpu_blocks_override: py(options.numGpuBlocksOverride),
    sliding_window: "None",
    enable_prefix_caching: py(options.enablePrefixCaching),
    prefix_caching_hash_algo: "sha256",
    cpu_offload_gb: pyFloat(0),
    calculate_kv_scales: "False",
    cpu_kvcache_space_bytes: "None",
    mamba_page_size_padded: "None",
    mamba_block_size: "None",
    mamba_cache_dtype: "auto",
    mamba_ssm_cache_dtype: "auto",
    num_gpu_blocks: String(sizing.numGpuBlocks),
    num_cpu_blocks: "None",
    kv_sharing_fast_prefill: "False",
    kv_cache_memory_bytes: py(options.kvCacheMemoryBytes),
    kv_offloading_size: "None",
    kv_offloading_backend: "None",
  };
}
