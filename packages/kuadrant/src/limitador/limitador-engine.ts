// Limitador's decision for one ShouldRateLimit call. Every limit of the namespace whose conditions
// hold on the descriptor is checked and, if none is exceeded, incremented by the hits (0 counts as
// 1), so the most restrictive limit wins. Counters are fixed windows anchored at their first hit:
// a counter expires `seconds` after the hit that created it.
import type { Clock } from "@testbed/common";
import type { LimitDefinition } from "./limit-definitions.js";

/** A ratelimit descriptor: the key/value entries the gateway built for one request. */
export interface Descriptor {
  entries: Array<{ key: string; value: string }>;
}

export interface LimitStatus {
  limit: LimitDefinition;
  /** Hits counted in the current window (may exceed max_value after a report). */
  used: number;
  remaining: number;
  resetSeconds: number;
}

export interface RateLimitDecision {
  overLimit: boolean;
  /** The checked limits, most restrictive (least remaining) first. */
  statuses: LimitStatus[];
  /** Draft-03 headers, when any limit applied: X-RateLimit-Limit / -Remaining / -Reset. */
  headers: Record<string, string>;
}

interface Counter {
  value: number;
  expiresAt: number;
}

export class LimitadorEngine {
  private limits: LimitDefinition[] = [];
  private readonly counters = new Map<string, Counter>();
  private created = 0;

  constructor(private readonly clock: Clock) {}

  /** Replace the limits (a reload). Counters of limits that stay keep counting. */
  setLimits(limits: LimitDefinition[]): void {
    this.limits = limits;
    const ids = new Set(limits.map((l) => l.id));
    for (const key of this.counters.keys()) if (!ids.has(key.split("\u0000")[0] as string)) this.counters.delete(key);
  }

  /** Store a new counter; every 1,000 new counters, expired ones are swept so the map stays bounded. */
  private addCounter(key: string, counter: Counter, now: number): void {
    this.counters.set(key, counter);
    if (++this.created % 1000 !== 0) return;
    for (const [name, existing] of this.counters) if (existing.expiresAt <= now) this.counters.delete(name);
  }

  get definitions(): readonly LimitDefinition[] {
    return this.limits;
  }

  shouldRateLimit(namespace: string, descriptors: Descriptor[], hitsAddend: number): RateLimitDecision {
    return this.evaluate(namespace, descriptors, hitsAddend > 0 ? hitsAddend : 1, true);
  }

  /** Count hits that already happened (usage reported after a response), even past the limit. */
  report(namespace: string, descriptors: Descriptor[], hitsAddend: number): RateLimitDecision {
    return this.evaluate(namespace, descriptors, hitsAddend > 0 ? hitsAddend : 1, true, true);
  }

  /** The current counters for these descriptors, without counting a hit (for admin and tests). */
  peek(namespace: string, descriptors: Descriptor[]): LimitStatus[] {
    return this.evaluate(namespace, descriptors, 0, false).statuses;
  }

  private evaluate(
    namespace: string,
    descriptors: Descriptor[],
    hits: number,
    count: boolean,
    force = false,
  ): RateLimitDecision {
    const now = this.clock.now();
    const applicable: Array<{ limit: LimitDefinition; key: string }> = [];
    for (const descriptor of descriptors) {
      const entries = new Map(descriptor.entries.map((e) => [e.key, e.value]));
      for (const limit of this.limits) {
        if (limit.namespace !== namespace || !matches(limit, entries)) continue;
        const values = limit.variables.map((v) => entries.get(v));
        if (values.some((v) => v === undefined)) continue;
        const key = [limit.id, ...values].join("\u0000");
        // Several descriptors reaching the same counter count it once.
        if (!applicable.some((a) => a.key === key)) applicable.push({ limit, key });
      }
    }
    const current = applicable.map(({ limit, key }) => {
      let counter = this.counters.get(key);
      if (counter && counter.expiresAt <= now) {
        this.counters.delete(key);
        counter = undefined;
      }
      return { limit, key, counter };
    });
    // A report is never refused: the usage it carries has already happened.
    const overLimit =
      count && !force && current.some(({ limit, counter }) => (counter?.value ?? 0) + hits > limit.maxValue);
    const statuses: LimitStatus[] = [];
    for (const { limit, key, counter } of current) {
      let next = counter;
      if (count && (force || !overLimit)) {
        next = counter ?? { value: 0, expiresAt: now + limit.seconds * 1000 };
        next.value += hits;
        if (!counter) this.addCounter(key, next, now);
      }
      const value = next?.value ?? 0;
      const expiresAt = next?.expiresAt ?? now + limit.seconds * 1000;
      statuses.push({
        limit,
        used: value,
        remaining: Math.max(0, limit.maxValue - value),
        resetSeconds: Math.max(0, Math.ceil((expiresAt - now) / 1000)),
      });
    }
    statuses.sort((a, b) => a.remaining - b.remaining);
    return { overLimit, statuses, headers: rateLimitHeaders(statuses) };
  }
}

function matches(limit: LimitDefinition, entries: Map<string, string>): boolean {
  return limit.conditions.every((condition) => {
    const value = entries.get(condition.key);
    return condition.operator === "==" ? value === condition.value : value !== undefined && value !== condition.value;
  });
}

/** IETF draft-03 rate-limit headers: `X-RateLimit-Limit: 5, 5;w=120, 20;w=60`, remaining and reset of the tightest limit. */
function rateLimitHeaders(statuses: LimitStatus[]): Record<string, string> {
  const tightest = statuses[0];
  if (!tightest) return {};
  const policies = statuses.map((s) => `${s.limit.maxValue};w=${s.limit.seconds}`).join(", ");
  return {
    "X-RateLimit-Limit": `${tightest.limit.maxValue}, ${policies}`,
    "X-RateLimit-Remaining": String(tightest.remaining),
    "X-RateLimit-Reset": String(tightest.resetSeconds),
  };
}
