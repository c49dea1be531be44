// HTTPRoute status.parents[]: one entry per parentRef this mesh serves, with its controllerName and
// the conditions Accepted (Accepted / NotAllowedByListeners / NoMatchingListenerHostname /
// NoMatchingParent) and ResolvedRefs (ResolvedRefs / BackendNotFound / InvalidKind /
// RefNotPermitted). Entries written by other controllers are kept.
import { isDeepStrictEqual } from "node:util";
import { type Condition, type KubeObject, setCondition } from "@testbed/apimachinery";
import type { BackendProblem } from "../backends.js";
import type { ParentAttachment } from "../route-attachment.js";

export interface RouteParentVerdict {
  attachment: ParentAttachment;
  controllerName: string;
}

export function httpRouteStatus(
  route: KubeObject,
  verdicts: RouteParentVerdict[],
  problems: BackendProblem[],
  ourControllers: string[],
  now: string,
): Record<string, unknown> {
  const observedGeneration = route.metadata.generation ?? 1;
  type Parent = { parentRef: Record<string, unknown>; controllerName: string; conditions?: Condition[] };
  const previous = (route.status?.parents ?? []) as Parent[];
  const foreign = previous.filter((p) => !ourControllers.includes(p.controllerName));
  const ours = verdicts.map(({ attachment, controllerName }) => {
    const before = previous.find(
      (p) => p.controllerName === controllerName && isDeepStrictEqual(p.parentRef, attachment.parentRef),
    );
    const accepted: Condition = attachment.accepted
      ? { type: "Accepted", status: "True", reason: "Accepted", message: "Route was valid", observedGeneration }
      : {
          type: "Accepted",
          status: "False",
          reason: attachment.reason,
          message: attachment.message,
          observedGeneration,
        };
    const problem = problems[0];
    const resolved: Condition = problem
      ? { type: "ResolvedRefs", status: "False", reason: problem.reason, message: problem.message, observedGeneration }
      : {
          type: "ResolvedRefs",
          status: "True",
          reason: "ResolvedRefs",
          message: "All references resolved",
          observedGeneration,
        };
    const conditions = setCondition(setCondition(before?.conditions, accepted, now), resolved, now);
    return { parentRef: attachment.parentRef, controllerName, conditions };
  });
  return { ...(route.status ?? {}), parents: [...foreign, ...ours] };
}
