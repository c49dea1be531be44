import type { GpuProfile } from "./gpu-profiles.js";
import { countParameters, kvBytesPerToken, type ModelArchitecture } from "./model-architectures.js";

export const GiB = 1024 ** 3;

/**
 * CUDA context, cuBLAS/NCCL workspaces and allocator slack that vLLM's memory profiling counts as
 * "non-torch" or peak memory on top of weights and activations. Calibrated on a real T4 log
 * (vLLM 0.11, Qwen2.5-0.5B-Instruct, defaults): 0.9 × 14.74 GiB − weights − activations − this
 * = 10.74 GiB of KV cache, 938,544 tokens.
 */
export const RUNTIME_OVERHEAD_BYTES = 1.2599 * GiB;

/** vLLM's profile run warms the sampler with fp32 logits (and probabilities) for max_num_seqs rows. */
const SAMPLER_FP32_COPIES = 2;

export interface KvSizingInput {
  model: ModelArchitecture;
  gpu: GpuProfile;
  gpuMemoryUtilization: number;
  blockSize: number;
  maxModelLen: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  /** `--kv-cache-memory-bytes`: skip profiling and use exactly this much for KV. */
  kvCacheMemoryBytes?: number | undefined;
  /** `--num-gpu-blocks-override`. */
  numGpuBlocksOverride?: number | undefined;
}

export interface KvSizing {
  dtype: "float16" | "bfloat16" | "float32";
  /** Set when the model's dtype is not supported by the GPU (bf16 on a T4). */
  dtypeFallbackFrom?: string;
  dtypeBytes: number;
  parameterCount: number;
  weightBytes: number;
  activationPeakBytes: number;
  runtimeOverheadBytes: number;
  availableKvBytes: number;
  bytesPerToken: number;
  bytesPerBlock: number;
  /** What the memory allows, before any override. */
  profiledNumGpuBlocks: number;
  numGpuBlocks: number;
  kvCacheTokens: number;
  maxConcurrency: number;
}

/** vLLM refuses to start when the cache cannot hold one max_model_len sequence. */
export class KvCacheTooSmallError extends Error {
  override readonly name = "ValueError";
}

const DTYPE_BYTES = { float16: 2, bfloat16: 2, float32: 4 } as const;

export function resolveDtype(model: ModelArchitecture, gpu: GpuProfile): Pick<KvSizing, "dtype" | "dtypeFallbackFrom"> {
  if (model.torchDtype === "bfloat16" && !gpu.supportsBfloat16) {
    return { dtype: "float16", dtypeFallbackFrom: "bfloat16" };
  }
  return { dtype: model.torchDtype };
}

function activationPeakBytes(input: KvSizingInput, dtypeBytes: number): number {
  const { model } = input;
  const logits = input.maxNumSeqs * model.vocabSize * 4 * SAMPLER_FP32_COPIES;
  const perTokenWidth =
    4 * model.hiddenSize +
    2 * model.intermediateSize +
    (model.numAttentionHeads + 2 * model.numKeyValueHeads) * model.headDim;
  return logits + input.maxNumBatchedTokens * perTokenWidth * dtypeBytes;
}

export function sizeKvCache(input: KvSizingInput): KvSizing {
  const dtypeChoice = resolveDtype(input.model, input.gpu);
  const dtypeBytes = DTYPE_BYTES[dtypeChoice.dtype];
  const parameterCount = countParameters(input.model);
  const weightBytes = parameterCount * dtypeBytes;
  const activations = activationPeakBytes(input, dtypeBytes);
  const budget = input.gpu.totalMemoryGiB * GiB * input.gpuMemoryUtilization;
  const availableKvBytes = input.kvCacheMemoryBytes ?? budget - weightBytes - activations - RUNTIME_OVERHEAD_BYTES;
  const bytesPerToken = kvBytesPerToken(input.model, dtypeBytes);
  const bytesPerBlock = bytesPerToken * input.blockSize;

  if (availableKvBytes <= 0) {
    throw new KvCacheTooSmallError(
      "No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.",
    );
  }
  const profiledNumGpuBlocks = Math.floor(availableKvBytes / bytesPerBlock);
  const numGpuBlocks = input.numGpuBlocksOverride ?? profiledNumGpuBlocks;
  const kvCacheTokens = numGpuBlocks * input.blockSize;
  assertHoldsOneSequence(input, numGpuBlocks, bytesPerBlock);

  return {
    ...dtypeChoice,
    dtypeBytes,
    parameterCount,
    weightBytes,
    activationPeakBytes: activations,
    runtimeOverheadBytes: input.kvCacheMemoryBytes === undefined ? RUNTIME_OVERHEAD_BYTES : 0,
    availableKvBytes,
    bytesPerToken,
    bytesPerBlock,
    profiledNumGpuBlocks,
    numGpuBlocks,
    kvCacheTokens,
    maxConcurrency: kvCacheTokens / input.maxModelLen,
  };
}

function assertHoldsOneSequence(input: KvSizingInput, numGpuBlocks: number, bytesPerBlock: number): void {
  const blocksNeeded = Math.ceil(input.maxModelLen / input.blockSize);
  if (numGpuBlocks >= blocksNeeded) return;
  const needed = blocksNeeded * bytesPerBlock;
  const available = numGpuBlocks * bytesPerBlock;
  const estimatedMaxLen = numGpuBlocks * input.blockSize;
  const estimate =
    estimatedMaxLen > 0
      ? ` Based on the available memory, the estimated maximum model length is ${estimatedMaxLen}.`
      : "";
  throw new KvCacheTooSmallError(
    `To serve at least one request with the models's max seq len (${input.maxModelLen}), ` +
      `(${(needed / GiB).toFixed(2)} GiB KV cache is needed, which is larger than the available KV cache memory ` +
      `(${(available / GiB).toFixed(2)} GiB).${estimate} Try increasing \`gpu_memory_utilization\` or decreasing ` +
      "`max_model_len` when initializing the engine.",
  );
}
