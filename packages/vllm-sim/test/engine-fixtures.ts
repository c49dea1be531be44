import { SimulatedClock } from "@testbed/common";
import { EngineCore } from "../src/engine/engine-core.js";
import type { EngineObserver } from "../src/engine/engine-observer.js";
import { EngineRequest, type EngineRequestSpec, type RequestListener } from "../src/engine/engine-request.js";
import { StepTimingModel } from "../src/engine/step-timing.js";
import { findGpuProfile } from "../src/hardware/gpu-profiles.js";
import { countParameters, findModelArchitecture, kvBytesPerToken } from "../src/hardware/model-architectures.js";
import { KvBlockPool } from "../src/kv/kv-block-pool.js";
import { KvCacheManager } from "../src/kv/kv-cache-manager.js";
import { IncrementalDetokenizer } from "../src/tokens/incremental-detokenizer.js";
import { qwen3Tokenizer } from "../src/tokens/qwen3-tokenizer.js";

export const qwen3 = findModelArchitecture("Qwen/Qwen3-0.6B")!;
export const t4 = findGpuProfile("t4")!;

export const t4Timing = new StepTimingModel({
  model: qwen3,
  gpu: t4,
  parameterCount: countParameters(qwen3),
  dtypeBytes: 2,
  kvBytesPerToken: kvBytesPerToken(qwen3, 2),
});

/** Prompt token ids 1000, 1001, … (distinct per `offset`, so prompts can share or not share a prefix). */
export function promptOf(length: number, offset = 0): number[] {
  return Array.from({ length }, (_, i) => 1000 + offset + i);
}

export interface RecordedRequest {
  tokens: number[];
  finished: boolean;
}

export function spec(id: string, prompt: number[], outputLength: number, extra: Partial<EngineRequestSpec> = {}) {
  const record: RecordedRequest = { tokens: [], finished: false };
  const listener: RequestListener = {
    onToken: (_request, tokenId) => record.tokens.push(tokenId),
    onFinish: () => {
      record.finished = true;
    },
  };
  const requestSpec: EngineRequestSpec = {
    id,
    promptTokenIds: prompt,
    plannedOutput: Array.from({ length: outputLength }, (_, i) => 500 + i),
    maxTokens: outputLength,
    ignoreEos: false,
    detokenizer: new IncrementalDetokenizer(qwen3Tokenizer()),
    listener,
    ...extra,
  };
  return { spec: requestSpec, record };
}

export function request(id: string, prompt: number[], outputLength = 4): EngineRequest {
  return new EngineRequest(spec(id, prompt, outputLength).spec, 0);
}

export interface TestEngine {
  engine: EngineCore;
  clock: SimulatedClock;
  pool: KvBlockPool;
  kv: KvCacheManager;
}

export function testEngine(
  options: {
    numBlocks?: number;
    prefixCaching?: boolean;
    maxNumSeqs?: number;
    maxNumBatchedTokens?: number;
    timeScale?: number;
  } = {},
  observer?: EngineObserver,
): TestEngine {
  const clock = new SimulatedClock();
  const pool = new KvBlockPool(options.numBlocks ?? 1000);
  const kv = new KvCacheManager(pool, 16, options.prefixCaching ?? true);
  const engine = new EngineCore(
    {
      maxNumSeqs: options.maxNumSeqs ?? 256,
      maxNumBatchedTokens: options.maxNumBatchedTokens ?? 2048,
      maxModelLen: 40_960,
      timeScale: options.timeScale ?? 0,
      clock,
      remoteKvSeconds: (tokens) => 0.001 + tokens * 1e-5,
    },
    kv,
    t4Timing,
    observer,
  );
  return { engine, clock, pool, kv };
}

/** Let setImmediate-driven engine steps run until `done` holds. */
export async function until(done: () => boolean, maxTurns = 100_000): Promise<void> {
  for (let turn = 0; turn < maxTurns && !done(); turn++) await new Promise((resolve) => setImmediate(resolve));
  if (!done()) throw new Error("condition not reached");
}
