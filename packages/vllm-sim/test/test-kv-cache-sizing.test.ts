import { describe, expect, it } from "vitest";
import { findGpuProfile } from "../src/hardware/gpu-profiles.js";
import { GiB, KvCacheTooSmallError, type KvSizingInput, sizeKvCache } from "../src/hardware/kv-cache-sizing.js";
import { countParameters, findModelArchitecture, kvBytesPerToken } from "../src/hardware/model-architectures.js";

function input(model: string, gpu: string, overrides: Partial<KvSizingInput> = {}): KvSizingInput {
  const architecture = findModelArchitecture(model);
  const profile = findGpuProfile(gpu);
  if (!architecture || !profile) throw new Error(`unknown ${model} or ${gpu}`);
  return {
    model: architecture,
    gpu: profile,
    gpuMemoryUtilization: 0.9,
    blockSize: 16,
    maxModelLen: architecture.maxPositionEmbeddings,
    maxNumSeqs: 256,
    maxNumBatchedTokens: 2048,
    ...overrides,
  };
}

describe("KV cache sizing from GPU memory", () => {
  it("reproduces the real T4 start-up log it is calibrated on (Qwen2.5-0.5B: 10.74 GiB, 938,544 tokens, 28.64x)", () => {
    const sizing = sizeKvCache(input("Qwen/Qwen2.5-0.5B-Instruct", "t4"));
    expect((sizing.availableKvBytes / GiB).toFixed(2)).toBe("10.74");
    expect(sizing.kvCacheTokens).toBe(938_544);
    expect(sizing.maxConcurrency.toFixed(2)).toBe("28.64");
    expect(sizing.weightBytes / GiB).toBeCloseTo(0.9271, 1);
  });

  it("gives Qwen3-0.6B on a T4 about 6,100 blocks of 16 tokens (≈98k tokens)", () => {
    const sizing = sizeKvCache(input("Qwen/Qwen3-0.6B", "t4"));
    expect(sizing.numGpuBlocks).toBeGreaterThan(5_900);
    expect(sizing.numGpuBlocks).toBeLessThan(6_300);
    expect(sizing.kvCacheTokens).toBe(sizing.numGpuBlocks * 16);
    expect(sizing.bytesPerToken).toBe(114_688);
    expect(sizing.bytesPerBlock).toBe(1.75 * 1024 * 1024);
  });

  it("counts Qwen3-0.6B at about 0.6B parameters, 0.44B of them outside the embeddings", () => {
    const model = findModelArchitecture("Qwen/Qwen3-0.6B");
    if (!model) throw new Error("missing model");
    const total = countParameters(model);
    expect(total / 1e9).toBeCloseTo(0.596, 2);
    expect((total - model.vocabSize * model.hiddenSize) / 1e9).toBeCloseTo(0.44, 2);
    expect(kvBytesPerToken(model, 2)).toBe(2 * 28 * 8 * 128 * 2);
  });

  it("falls back from bfloat16 to float16 on a T4 but not on an L4", () => {
    expect(sizeKvCache(input("Qwen/Qwen3-0.6B", "t4"))).toMatchObject({
      dtype: "float16",
      dtypeFallbackFrom: "bfloat16",
    });
    expect(sizeKvCache(input("Qwen/Qwen3-0.6B", "l4")).dtypeFallbackFrom).toBeUndefined();
  });

  it("scales with the GPU: more memory gives more blocks, for every profile", () => {
    const blocks = ["t4", "a10g", "a100-40gb", "h100-80gb"].map(
      (gpu) => sizeKvCache(input("Qwen/Qwen3-0.6B", gpu)).numGpuBlocks,
    );
    expect([...blocks].sort((a, b) => a - b)).toEqual(blocks);
    const llama = sizeKvCache(input("meta-llama/Llama-3.1-8B-Instruct", "a100-40gb", { maxModelLen: 32_768 }));
    expect(llama.bytesPerToken).toBe(131_072);
    expect(llama.weightBytes / GiB).toBeCloseTo(14.96, 1);
  });

  it("uses --kv-cache-memory-bytes and --num-gpu-blocks-override instead of profiling", () => {
    const bytes = sizeKvCache(input("Qwen/Qwen3-0.6B", "t4", { kvCacheMemoryBytes: 8 * GiB }));
    expect(bytes.numGpuBlocks).toBe(Math.floor((8 * GiB) / (114_688 * 16)));
    const forced = sizeKvCache(input("Qwen/Qwen3-0.6B", "t4", { numGpuBlocksOverride: 3000 }));
    expect(forced.numGpuBlocks).toBe(3000);
    expect(forced.profiledNumGpuBlocks).toBeGreaterThan(6000);
  });

  it("refuses to start, with vLLM's message, when one max_model_len sequence does not fit", () => {
    const tooSmall = () => sizeKvCache(input("Qwen/Qwen3-0.6B", "t4", { numGpuBlocksOverride: 1000 }));
    expect(tooSmall).toThrow(KvCacheTooSmallError);
    expect(tooSmall).toThrow(
      /To serve at least one request with the models's max seq len \(40960\), \(4\.38 GiB KV cache is needed, which is larger than the available KV cache memory \(1\.71 GiB\)\. Based on the available memory, the estimated maximum model length is 16000\./,
    );
  });

  it("reports no memory for the cache when the weights alone exceed the budget", () => {
    expect(() => sizeKvCache(input("Qwen/Qwen3-8B", "t4"))).toThrow(/No available memory for the cache blocks/);
  });
});
