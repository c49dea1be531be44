// The pickers: max-score-picker (highest total, ties broken at random), random-picker, and
// weighted-random-picker (probability proportional to score). All take `maxNumOfEndpoints`
// (default 1). Randomness comes from the EPP's seeded generator, so runs are reproducible.
import type { Picker, PluginContext, ScoredEndpoint } from "../framework.js";
import type { PluginDefinition } from "./plugin-definition.js";

function shuffle<T>(items: T[], context: PluginContext): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = context.random.int(i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** The first entry with the highest score; undefined when a score is NaN (the sort decides then) or none. */
function firstHighest(scored: readonly ScoredEndpoint[]): ScoredEndpoint | undefined {
  let best: ScoredEndpoint | undefined;
  for (const entry of scored) {
    if (Number.isNaN(entry.score)) return undefined;
    if (!best || entry.score > best.score) best = entry;
  }
  return best;
}

export const maxScorePicker: PluginDefinition = {
  type: "max-score-picker",
  create(name, parameters, context): Picker {
    const max = parameters.number("maxNumOfEndpoints", 1, { min: 1, integer: true });
    parameters.done();
    return {
      type: "max-score-picker",
      name,
      pick(_cycle, scored) {
        // Shuffle first so that a stable sort leaves ties in random order.
        const shuffled = shuffle([...scored], context);
        // One pick is the stable sort's first: the first highest score in shuffled order, found in one pass.
        const first = max === 1 ? firstHighest(shuffled) : undefined;
        if (first) return { targetEndpoints: [first.endpoint] };
        const ordered = shuffled.sort((a, b) => b.score - a.score);
        return { targetEndpoints: ordered.slice(0, max).map((s) => s.endpoint) };
      },
    };
  },
};

export const randomPicker: PluginDefinition = {
  type: "random-picker",
  create(name, parameters, context): Picker {
    const max = parameters.number("maxNumOfEndpoints", 1, { min: 1, integer: true });
    parameters.done();
    return {
      type: "random-picker",
      name,
      pick(_cycle, scored) {
        return {
          targetEndpoints: shuffle([...scored], context)
            .slice(0, max)
            .map((s) => s.endpoint),
        };
      },
    };
  },
};

export const weightedRandomPicker: PluginDefinition = {
  type: "weighted-random-picker",
  create(name, parameters, context): Picker {
    const max = parameters.number("maxNumOfEndpoints", 1, { min: 1, integer: true });
    parameters.done();
    return {
      type: "weighted-random-picker",
      name,
      pick(_cycle, scored) {
        const remaining: ScoredEndpoint[] = [...scored];
        const chosen = [];
        while (chosen.length < max && remaining.length > 0) {
          const total = remaining.reduce((sum, s) => sum + Math.max(0, s.score), 0);
          let index = 0;
          if (total > 0) {
            let ticket = context.random.next() * total;
            while (index < remaining.length - 1 && ticket >= Math.max(0, (remaining[index] as ScoredEndpoint).score)) {
              ticket -= Math.max(0, (remaining[index] as ScoredEndpoint).score);
              index++;
            }
          } else {
            index = context.random.int(remaining.length);
          }
          chosen.push((remaining.splice(index, 1)[0] as ScoredEndpoint).endpoint);
        }
        return { targetEndpoints: chosen };
      },
    };
  },
};
