import type { KubernetesSecret } from "../src/authorino/api-key-secrets.js";
import { readAuthConfig } from "../src/authorino/auth-config.js";

/** An AuthConfig as Kuadrant makes it from the MaaS AuthPolicy: Bearer API keys, identity {userid, tier}. */
export const maasAuthConfig = readAuthConfig(
  {
    apiVersion: "authorino.kuadrant.io/v1beta3",
    kind: "AuthConfig",
    metadata: { name: "maas-gateway-auth-policy", namespace: "openshift-ingress" },
    spec: {
      hosts: ["*"],
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
                value: "^(free|premium|enterprise)$",
              },
            ],
          },
        },
      },
      response: {
        success: {
          headers: {
            "x-auth-user": { plain: { selector: "auth.identity.metadata.annotations.secret\\.kuadrant\\.io/user-id" } },
          },
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
  "maas-auth.yaml",
);

export function apiKeySecret(user: string, tier: string, key: string): KubernetesSecret {
  return {
    metadata: {
      name: `${user}-key`,
      namespace: `tier-${tier}`,
      labels: { app: "maas", "authorino.kuadrant.io/managed-by": "authorino", "maas.opendatahub.io/tier": tier },
      annotations: { "secret.kuadrant.io/user-id": user },
    },
    data: { api_key: Buffer.from(key).toString("base64") },
  };
}

export const SECRETS = [
  apiKeySecret("alice", "free", "free-key-alice-0123456789"),
  apiKeySecret("bob", "premium", "premium-key-bob-0123456789"),
  apiKeySecret("carol", "enterprise", "enterprise-key-carol-0123456789"),
  apiKeySecret("mallory", "platinum", "platinum-key-mallory-0123456789"),
];
