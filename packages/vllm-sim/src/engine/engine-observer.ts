import type { EngineRequest } from "./engine-request.js";

/** What the engine reports as it runs; the metrics module listens. Times are engine seconds. */
export interface EngineObserver {
  /** A step's outputs were applied: its tokens emitted, its finished requests freed. */
  onStep(numScheduledTokens: number): void;
  onPreemption(request: EngineRequest): void;
  onPrefixCacheLookup(queriedTokens: number, hitTokens: number): void;
  onToken(request: EngineRequest, now: number): void;
  onFinish(request: EngineRequest): void;
}

export const NO_OBSERVER: EngineObserver = {
  onStep() {},
  onPreemption() {},
  onPrefixCacheLookup() {},
  onToken() {},
  onFinish() {},
};
