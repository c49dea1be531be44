// Models-as-a-Service as RHOAI 3.2 ships it on `maas-gateway`: an AuthPolicy demanding an API key
// (`Authorization: Bearer <key>`) and giving the identity {userid, tier}; request limits per tier —
// free 5 / 2 min, premium 20 / 2 min, enterprise 50 / 2 min — and token limits per tier — free 100 / min,
// premium 50,000 / min, enterprise 100,000 / min — counted per user.
import { randomBytes } from "node:crypto";
import { EXPIRES_AT_ANNOTATION, type KubernetesSecret } from "../authorino/api-key-secrets.js";
import type { PolicyObject } from "./translate-policies.js";

/** The MaaS tiers, from the tightest limits to the loosest. */
export const MAAS_TIERS = ["free", "premium", "enterprise"] as const;
export type MaasTier = (typeof MAAS_TIERS)[number];

export const TIER_LABEL = "maas.opendatahub.io/tier";
export const USER_ANNOTATION = "secret.kuadrant.io/user-id";

const REQUESTS: Record<MaasTier, number> = { free: 5, premium: 20, enterprise: 50 };
const TOKENS: Record<MaasTier, number> = { free: 100, premium: 50_000, enterprise: 100_000 };

export function maasPolicies(gateway = { name: "maas-gateway", namespace: "openshift-ingress" }): PolicyObject[] {
  const targetRef = { group: "gateway.networking.k8s.io", kind: "Gateway", name: gateway.name };
  const perTier = (amounts: Record<MaasTier, number>, window: string) =>
    Object.fromEntries(
      MAAS_TIERS.map((tier) => [
        tier,
        {
          rates: [{ limit: amounts[tier], window }],
          counters: [{ expression: "auth.identity.userid" }],
          when: [{ predicate: `auth.identity.tier == "${tier}"` }],
        },
      ]),
    );
  return [
    {
      apiVersion: "kuadrant.io/v1",
      kind: "AuthPolicy",
      metadata: { name: "maas-gateway-auth-policy", namespace: gateway.namespace },
      spec: {
        targetRef,
        rules: {
          authentication: {
            "api-key-users": {
              apiKey: { selector: { matchLabels: { app: "maas" } }, allNamespaces: true },
              credentials: { authorizationHeader: { prefix: "Bearer" } },
            },
          },
          authorization: {
            "known-tier": {
              patternMatching: {
                patterns: [
                  {
                    selector: "auth.identity.metadata.labels.maas\\.opendatahub\\.io/tier",
                    operator: "matches",
                    value: `^(${MAAS_TIERS.join("|")})$`,
                  },
                ],
              },
            },
          },
          response: {
            success: {
              filters: {
                identity: {
                  json: {
                    properties: {
                      userid: { selector: "auth.identity.metadata.annotations.secret\\.kuadrant\\.io/user-id" },
                      tier: { selector: "auth.identity.metadata.labels.maas\\.opendatahub\\.io/tier" },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    {
      apiVersion: "kuadrant.io/v1",
      kind: "RateLimitPolicy",
      metadata: { name: "gateway-rate-limits", namespace: gateway.namespace },
      spec: { targetRef, limits: perTier(REQUESTS, "2m") },
    },
    {
      apiVersion: "kuadrant.io/v1alpha1",
      kind: "TokenRateLimitPolicy",
      metadata: { name: "gateway-token-rate-limits", namespace: gateway.namespace },
      spec: { targetRef, limits: perTier(TOKENS, "1m") },
    },
  ];
}

/**
 * A new API key for a user in a tier, and the Secret (in namespace tier-<tier>) that holds it; with
 * `expiresAt` (unix seconds) the key stops working then, as maas-api's tokens do.
 */
export function mintApiKey(
  user: string,
  tier: MaasTier,
  options: { key?: string; expiresAt?: number } = {},
): { key: string; secret: KubernetesSecret } {
  const key = options.key ?? `maas_${tier}_${randomBytes(16).toString("hex")}`;
  if (!MAAS_TIERS.includes(tier)) throw new Error(`unknown tier ${tier}; choose ${MAAS_TIERS.join(", ")}`);
  return {
    key,
    secret: {
      metadata: {
        name: `${user}-api-key-${randomBytes(3).toString("hex")}`,
        namespace: `tier-${tier}`,
        labels: { app: "maas", "authorino.kuadrant.io/managed-by": "authorino", [TIER_LABEL]: tier },
        annotations: {
          [USER_ANNOTATION]: user,
          ...(options.expiresAt !== undefined ? { [EXPIRES_AT_ANNOTATION]: String(options.expiresAt) } : {}),
        },
      },
      data: { api_key: Buffer.from(key).toString("base64") },
    },
  };
}
