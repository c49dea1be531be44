export type { FaultConfig, FaultType } from "./faults.js";
export { FAULT_TYPES } from "./faults.js";
export type { GpuProfile } from "./hardware/gpu-profiles.js";
export { findGpuProfile, GPU_PROFILES } from "./hardware/gpu-profiles.js";
export type { KvSizing, KvSizingInput } from "./hardware/kv-cache-sizing.js";
export { GiB, KvCacheTooSmallError, sizeKvCache } from "./hardware/kv-cache-sizing.js";
export type { ModelArchitecture } from "./hardware/model-architectures.js";
export {
  countParameters,
  findModelArchitecture,
  kvBytesPerToken,
  MODEL_ARCHITECTURES,
} from "./hardware/model-architectures.js";
export { buildVllmApp } from "./http/app.js";
export { ModelServer, StartupError } from "./model-server.js";
export type { PodRole, VllmSimOptions } from "./options.js";
export { DEFAULT_OPTIONS, resolveOptions } from "./options.js";
export type { PoolMembers } from "./sidecar/prefill-allowlist.js";
export { PrefillAllowlist, ssrfConfigurationError } from "./sidecar/prefill-allowlist.js";
export { startRoutingSidecar } from "./sidecar/routing-sidecar.js";
export type { ChatMessage } from "./tokens/chat-template.js";
export { renderChatML } from "./tokens/chat-template.js";
export { Qwen3Tokenizer, qwen3Tokenizer } from "./tokens/qwen3-tokenizer.js";
export type { ParsedVllmArgs } from "./vllm-args.js";
export {
  inferenceSimEnvironmentOptions,
  parseVllmArgs,
  VLLM_SIM_FLAGS,
  VllmArgsError,
  vllmArgsUsage,
  vllmEnvironmentOptions,
} from "./vllm-args.js";
export type { VllmSimHandle } from "./vllm-sim.js";
export { startVllmSim } from "./vllm-sim.js";
