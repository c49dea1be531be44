// The ext_proc settings each route runs with (base filter merged with the route's override, from
// the gateways' /config_dump): the seed's Bug 1 and Bug 2 are both visible here.
import type { RouteExtProc } from "./api.js";

export function ExtProcTable({ routes }: { routes: RouteExtProc[] }) {
  const shown = routes.filter((r) => r.gateway !== "data-science-gateway");
  return (
    <section aria-labelledby="extproc-title" class="panel">
      <h2 id="extproc-title">Effective ext_proc per route</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Gateway</th>
            <th scope="col">Route</th>
            <th scope="col">Match</th>
            <th scope="col">Cluster</th>
            <th scope="col">Request body</th>
            <th scope="col">Headers</th>
            <th scope="col">Fail-open</th>
            <th scope="col">From</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={`${r.gateway}/${r.listener}/${r.route}`} class={r.enabled ? "" : "muted"}>
              <td>{r.gateway}</td>
              <th scope="row">{r.route}</th>
              <td>{r.match}</td>
              <td>{r.enabled ? (r.cluster ?? "(none)") : "off"}</td>
              <td>{r.requestBodyMode}</td>
              <td>{r.requestHeaderMode}</td>
              <td>{r.failureModeAllow ? "yes" : "no"}</td>
              <td>{r.source}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
