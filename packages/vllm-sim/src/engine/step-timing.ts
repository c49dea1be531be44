import type { GpuProfile } from "../hardware/gpu-profiles.js";
import type { ModelArchitecture } from "../hardware/model-architectures.js";

/** One request's share of a step: the tokens it computes and the context they attend to. */
export interface StepWork {
  /** Tokens computed for this request in the step (a prefill chunk, or 1 when decoding). */
  numTokens: number;
  /** Tokens already in the request's KV cache before the step. */
  numContextTokens: number;
}

export interface StepTimingConfig {
  model: ModelArchitecture;
  gpu: GpuProfile;
  parameterCount: number;
  dtypeBytes: number;
  kvBytesPerToken: number;
  /** Fraction of peak FLOPS a prefill reaches (model FLOPs utilisation). */
  computeEfficiency?: number;
  /** Fixed per-step cost: Python scheduling, sampling, kernel launches. */
  stepOverheadSeconds?: number;
}

export const DEFAULT_COMPUTE_EFFICIENCY = 0.5;
export const DEFAULT_STEP_OVERHEAD_SECONDS = 0.003;

/**
 * How long one engine step takes on the simulated GPU: a roofline. A step is bound either by
 * compute (2 FLOPs per parameter per token, plus attention over each token's context) or by
 * memory traffic (every weight once, plus the KV each request reads), whichever is slower, plus a
 * fixed CPU-side cost for scheduling and kernel launches. On a T4, a batch-of-one decode step of
 * Qwen3-0.6B reads ~1.2 GB at 320 GB/s: ≈3.7 ms of memory time.
 */
export class StepTimingModel {
  private readonly weightBytes: number;
  private readonly attentionFlopsPerContextToken: number;
  private readonly efficiency: number;
  private readonly overhead: number;

  constructor(private readonly config: StepTimingConfig) {
    this.weightBytes = config.parameterCount * config.dtypeBytes;
    const { model } = config;
    // QK^T and AV: 2 matmuls × 2 FLOPs per multiply-add, per layer, per query head dimension.
    this.attentionFlopsPerContextToken = 4 * model.numLayers * model.numAttentionHeads * model.headDim;
    this.efficiency = config.computeEfficiency ?? DEFAULT_COMPUTE_EFFICIENCY;
    this.overhead = config.stepOverheadSeconds ?? DEFAULT_STEP_OVERHEAD_SECONDS;
  }

  stepSeconds(work: readonly StepWork[]): number {
    if (work.length === 0) return 0;
    let tokens = 0;
    let attentionFlops = 0;
    let kvBytes = 0;
    for (const item of work) {
      tokens += item.numTokens;
      // Each new token attends to the context plus, on average, half of the chunk before it.
      attentionFlops +=
        item.numTokens * (item.numContextTokens + item.numTokens / 2) * this.attentionFlopsPerContextToken;
      kvBytes += (item.numContextTokens + item.numTokens) * this.config.kvBytesPerToken;
    }
    const flops = 2 * this.config.parameterCount * tokens + attentionFlops;
    const computeSeconds = flops / (this.config.gpu.peakFp16Flops * this.efficiency);
    const memorySeconds = (this.weightBytes + kvBytes) / this.config.gpu.memoryBandwidthBytesPerSecond;
    return this.overhead + Math.max(computeSeconds, memorySeconds);
  }
}

/** Time to move a prompt's KV from a prefill pod to a decode pod (NIXL over the pod network). */
export interface KvTransferLink {
  bandwidthBytesPerSecond: number;
  latencySeconds: number;
}

export function kvTransferSeconds(link: KvTransferLink, tokens: number, kvBytesPerToken: number): number {
  return link.latencySeconds + (tokens * kvBytesPerToken) / link.bandwidthBytesPerSecond;
}
