// SelfSubjectAccessReview (`kubectl auth can-i`): the testbed has one user, cluster-admin, so every
// question is answered "allowed", in the review's own shape (the request echoed with a status).
// kubectl sends this review as protobuf, which the server does not decode: the answer is the same
// for every question, so a protobuf review is answered without its spec echoed.
import { ApiError } from "@testbed/apimachinery";

export function reviewSelfAccess(contentType: string | undefined, body: string | undefined): Record<string, unknown> {
  if (contentType?.toLowerCase().startsWith("application/vnd.kubernetes.protobuf")) return allowed({});
  let review: { spec?: unknown; metadata?: unknown } | null;
  try {
    review = JSON.parse(body ?? "");
  } catch (error) {
    throw new ApiError(
      "BadRequest",
      `the object provided is unrecognized: json parse error: ${(error as Error).message}`,
    );
  }
  if (!review || typeof review !== "object" || typeof review.spec !== "object" || review.spec === null) {
    throw new ApiError(
      "Invalid",
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      {
        kind: "SelfSubjectAccessReview",
        group: "authorization.k8s.io",
        causes: [
          {
            field: "spec.resourceAttributes",
            message: "exactly one of nonResourceAttributes or resourceAttributes must be specified",
          },
        ],
      },
    );
  }
  return allowed(review.spec);
}

function allowed(spec: unknown): Record<string, unknown> {
  return {
    kind: "SelfSubjectAccessReview",
    apiVersion: "authorization.k8s.io/v1",
    metadata: { creationTimestamp: null },
    spec,
    status: {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to User "testbed-admin"',
    },
  };
}
