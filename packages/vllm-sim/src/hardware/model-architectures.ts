// The shapes of the models the simulator can serve, from each model's Hugging Face config.json.
// Only what the KV sizing and the latency model need. Weights are never loaded: the simulator
// needs the architecture, not the parameters.

/** One model's shape, from its config.json. */
export interface ModelArchitecture {
  /** Hugging Face id, which vLLM serves under by default (`--model`). */
  id: string;
  numLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headDim: number;
  hiddenSize: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Attention q/k/v projections carry biases (Qwen2 does, Qwen3 does not). */
  qkvBias: boolean;
  /** Qwen3 normalises q and k per head (q_norm, k_norm). */
  qkNorm: boolean;
  torchDtype: "bfloat16" | "float16" | "float32";
}

const qwen3Base = {
  numKeyValueHeads: 8,
  headDim: 128,
  vocabSize: 151_936,
  maxPositionEmbeddings: 40_960,
  qkvBias: false,
  qkNorm: true,
  torchDtype: "bfloat16",
} as const;

export const MODEL_ARCHITECTURES: readonly ModelArchitecture[] = [
  {
    ...qwen3Base,
    id: "Qwen/Qwen3-0.6B",
    numLayers: 28,
    numAttentionHeads: 16,
    hiddenSize: 1024,
    intermediateSize: 3072,
    tieWordEmbeddings: true,
  },
  {
    ...qwen3Base,
    id: "Qwen/Qwen3-1.7B",
    numLayers: 28,
    numAttentionHeads: 16,
    hiddenSize: 2048,
    intermediateSize: 6144,
    tieWordEmbeddings: true,
  },
  {
    ...qwen3Base,
    id: "Qwen/Qwen3-8B",
    numLayers: 36,
    numAttentionHeads: 32,
    hiddenSize: 4096,
    intermediateSize: 12_288,
    tieWordEmbeddings: false,
  },
  {
    // The model of the real T4 start-up log the KV sizing is calibrated on.
    id: "Qwen/Qwen2.5-0.5B-Instruct",
    numLayers: 24,
    numAttentionHeads: 14,
    numKeyValueHeads: 2,
    headDim: 64,
    hiddenSize: 896,
    intermediateSize: 4864,
    vocabSize: 151_936,
    maxPositionEmbeddings: 32_768,
    tieWordEmbeddings: true,
    qkvBias: true,
    qkNorm: false,
    torchDtype: "bfloat16",
  },
  {
    id: "meta-llama/Llama-3.1-8B-Instruct",
    numLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    headDim: 128,
    hiddenSize: 4096,
    intermediateSize: 14_336,
    vocabSize: 128_256,
    maxPositionEmbeddings: 131_072,
    tieWordEmbeddings: false,
    qkvBias: false,
    qkNorm: false,
    torchDtype: "bfloat16",
  },
];

export function findModelArchitecture(id: string): ModelArchitecture | undefined {
  return MODEL_ARCHITECTURES.find((model) => model.id.toLowerCase() === id.toLowerCase());
}

/** Parameter count of a decoder-only transformer with gated MLP (Qwen2/Qwen3/Llama layout). */
export function countParameters(model: ModelArchitecture): number {
  const qWidth = model.numAttentionHeads * model.headDim;
  const kvWidth = model.numKeyValueHeads * model.headDim;
  const attention =
    model.hiddenSize * qWidth + // q_proj
    2 * model.hiddenSize * kvWidth + // k_proj, v_proj
    qWidth * model.hiddenSize + // o_proj
    (model.qkvBias ? qWidth + 2 * kvWidth : 0) +
    (model.qkNorm ? 2 * model.headDim : 0);
  const mlp = 3 * model.hiddenSize * model.intermediateSize; // gate, up, down
  const norms = 2 * model.hiddenSize;
  const embeddings = model.vocabSize * model.hiddenSize;
  const lmHead = model.tieWordEmbeddings ? 0 : embeddings;
  return model.numLayers * (attention + mlp + norms) + embeddings + lmHead + model.hiddenSize;
}

/** KV bytes one token occupies: a key and a value per layer per KV head. */
export function kvBytesPerToken(model: ModelArchitecture, dtypeBytes: number): number {
  return 2 * model.numLayers * model.numKeyValueHeads * model.headDim * dtypeBytes;
}
