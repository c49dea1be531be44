// One request's routing trace (packages/trace) in the words `testbed trace` prints — the route,
// each filter's decision, what happened to the body, the upstream, vLLM — with "In short" first,
// and the EPP's scores per scorer per pod as tables.
import type { RequestTraceView, TraceHopView } from "./api.js";

export function TraceView({ trace, words }: { trace: RequestTraceView; words: string[] }) {
  const summary = words.find((line) => line.trim().startsWith("In short:"));
  const steps = groupSteps(words.filter((line) => line !== summary).slice(2));
  const scheduling = trace.hops.filter((hop) => hop.kind === "scheduling");
  return (
    <div class="trace">
      {summary ? <p class="summary">{summary.trim()}</p> : null}
      <p class="muted">{words[0]}</p>
      <ol class="hops" aria-label="Hops">
        {steps.map((step) => (
          <li key={step[0]}>
            {step.map((line, index) => (
              <div key={line} class={index === 0 ? "hop-head" : "hop-line"}>
                {index === 0 ? line.replace(/^\s*\d+\.\s*/, "") : line.trim()}
              </div>
            ))}
          </li>
        ))}
      </ol>
      {scheduling.map((hop) => (
        <Scores key={hop.time.wallStartMs} hop={hop} />
      ))}
    </div>
  );
}

/** describeTrace's lines, one group per numbered hop with its indented detail lines. */
function groupSteps(lines: string[]): string[][] {
  const steps: string[][] = [];
  for (const line of lines) {
    if (/^\s*\d+\.\s/.test(line) || steps.length === 0) steps.push([line]);
    else steps[steps.length - 1]?.push(line);
  }
  return steps;
}

interface ProfileView {
  name: string;
  scorers: { name: string; weight: number; scores: Record<string, number> }[];
  totals: Record<string, number>;
  picked: string[];
}

function Scores({ hop }: { hop: TraceHopView }) {
  const profiles = (hop.profiles ?? []) as ProfileView[];
  return (
    <>
      {profiles.map((profile) => {
        const pods = Object.keys(profile.totals);
        return (
          <table key={profile.name} class="scores">
            <caption>
              EPP profile {profile.name}: picked {profile.picked.join(", ")}
            </caption>
            <thead>
              <tr>
                <th scope="col">scorer (weight)</th>
                {pods.map((pod) => (
                  <th scope="col" key={pod}>
                    {pod}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {profile.scorers.map((scorer) => (
                <tr key={scorer.name}>
                  <th scope="row">
                    {scorer.name} ({scorer.weight})
                  </th>
                  {pods.map((pod) => (
                    <td key={pod}>{(scorer.scores[pod] ?? 0).toFixed(2)}</td>
                  ))}
                </tr>
              ))}
              <tr>
                <th scope="row">total</th>
                {pods.map((pod) => (
                  <td key={pod}>{(profile.totals[pod] ?? 0).toFixed(2)}</td>
                ))}
              </tr>
            </tbody>
          </table>
        );
      })}
    </>
  );
}
