import type { EngineObserver } from "./engine-observer.js";

/** Several listeners on one engine (the Prometheus metrics and the periodic stats log line). */
export function compositeObserver(observers: readonly EngineObserver[]): EngineObserver {
  return {
    onStep: (tokens) => {
      for (const observer of observers) observer.onStep(tokens);
    },
    onPreemption: (request) => {
      for (const observer of observers) observer.onPreemption(request);
    },
    onPrefixCacheLookup: (queried, hits) => {
      for (const observer of observers) observer.onPrefixCacheLookup(queried, hits);
    },
    onToken: (request, now) => {
      for (const observer of observers) observer.onToken(request, now);
    },
    onFinish: (request) => {
      for (const observer of observers) observer.onFinish(request);
    },
  };
}
