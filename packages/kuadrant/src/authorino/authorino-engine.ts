// Authorino's decision for one request: pick the AuthConfig by host, check its `when` conditions,
// authenticate the API key, run the authorization patterns, and on success build the headers and
// dynamic metadata (e.g. identity → {userid, tier}) the gateway passes on. Denials carry Authorino's
// status, WWW-Authenticate and X-Ext-Auth-Reason.
import { type Clock, systemClock } from "@testbed/common";
import { ApiKeyStore, type KubernetesSecret } from "./api-key-secrets.js";
import type { AuthConfig, ResponseValue } from "./auth-config.js";
import { patternHolds, select } from "./selectors.js";

/** What Authorino sees of one request: the host picks the AuthConfig. */
export interface AuthRequest {
  host: string;
  method: string;
  path: string;
  headers: Record<string, string>;
}

export type AuthDecision =
  | {
      allowed: true;
      config: string;
      identity: unknown;
      headers: Record<string, string>;
      metadata: Record<string, Record<string, unknown>>;
    }
  | { allowed: false; status: number; headers: Record<string, string>; reason: string };

export class AuthorinoEngine {
  private configs: AuthConfig[] = [];
  private secrets: KubernetesSecret[] = [];
  readonly keys = new ApiKeyStore();

  /** `clock` decides whether an API key Secret has expired. */
  constructor(private readonly clock: Clock = systemClock) {}

  setAuthConfigs(configs: AuthConfig[]): void {
    this.configs = configs;
  }

  setSecrets(secrets: readonly KubernetesSecret[]): void {
    this.secrets = [...secrets];
    this.keys.setSecrets(this.secrets);
  }

  /** Add (or replace, by namespace/name) one API-key Secret, as minting a key does. */
  addSecret(secret: KubernetesSecret): void {
    const id = (s: KubernetesSecret) => `${s.metadata.namespace ?? "default"}/${s.metadata.name}`;
    this.setSecrets([...this.secrets.filter((s) => id(s) !== id(secret)), secret]);
  }

  check(request: AuthRequest): AuthDecision {
    const config = this.configFor(request.host);
    if (!config) return deny(404, "Service not found");
    const [path, query = ""] = request.path.split("?");
    const document: Record<string, unknown> = {
      request: {
        method: request.method,
        path: request.path,
        url_path: path,
        host: request.host,
        headers: request.headers,
      },
      context: {
        request: { http: { method: request.method, path: request.path, host: request.host, headers: request.headers } },
      },
    };
    // A config whose conditions do not hold does not apply: the request passes unauthenticated.
    if (!config.when.every((pattern) => patternHolds(document, pattern))) return allow(config, undefined, {}, {});

    let identity: unknown;
    let lastReason = "credential not found";
    let challenge = "";
    for (const rule of config.apiKeys) {
      const credential = readCredential(rule.credentials, request.headers, query);
      if (rule.credentials.in === "authorization_header") challenge = `${rule.credentials.prefix} realm="${rule.name}"`;
      if (credential === undefined) continue;
      const secret = this.keys.find(
        credential,
        rule.matchLabels,
        rule.allNamespaces ? undefined : config.namespace,
        this.clock.now(),
      );
      if (secret) {
        identity = secret;
        break;
      }
      lastReason = "the API Key provided is invalid";
    }
    if (config.apiKeys.length > 0 && identity === undefined) {
      return {
        allowed: false,
        status: 401,
        reason: lastReason,
        headers: { ...(challenge ? { "www-authenticate": challenge } : {}), "x-ext-auth-reason": lastReason },
      };
    }
    document.auth = { identity };
    for (const rule of config.authorization) {
      if (!rule.patterns.every((pattern) => patternHolds(document, pattern))) return deny(403, "Unauthorized");
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.successHeaders))
      headers[name.toLowerCase()] = String(resolve(document, value) ?? "");
    const metadata: Record<string, Record<string, unknown>> = {};
    for (const [key, properties] of Object.entries(config.successMetadata)) {
      metadata[key] = Object.fromEntries(
        Object.entries(properties).map(([property, value]) => [property, resolve(document, value)]),
      );
    }
    return allow(config, identity, headers, metadata);
  }

  private configFor(host: string): AuthConfig | undefined {
    const bare = host.toLowerCase().replace(/:\d+$/, "");
    return (
      this.configs.find((c) =>
        c.hosts.some((h) => h.toLowerCase() === bare || h.toLowerCase() === host.toLowerCase()),
      ) ??
      this.configs.find((c) => c.hosts.some((h) => h.startsWith("*.") && bare.endsWith(h.slice(1)))) ??
      this.configs.find((c) => c.hosts.includes("*"))
    );
  }
}

function readCredential(
  credentials: AuthConfig["apiKeys"][number]["credentials"],
  headers: Record<string, string>,
  query: string,
): string | undefined {
  if (credentials.in === "custom_header") return headers[credentials.name];
  if (credentials.in === "query") return new URLSearchParams(query).get(credentials.name) ?? undefined;
  const authorization = headers.authorization;
  const prefix = `${credentials.prefix} `;
  if (!authorization?.startsWith(prefix)) return undefined;
  const key = authorization.slice(prefix.length).trim();
  return key === "" ? undefined : key;
}

function resolve(document: unknown, value: ResponseValue): unknown {
  return value.selector !== undefined ? select(document, value.selector) : value.value;
}

function allow(
  config: AuthConfig,
  identity: unknown,
  headers: Record<string, string>,
  metadata: Record<string, Record<string, unknown>>,
): AuthDecision {
  return { allowed: true, config: `${config.namespace}/${config.name}`, identity, headers, metadata };
}

function deny(status: number, reason: string): AuthDecision {
  return { allowed: false, status, reason, headers: { "x-ext-auth-reason": reason } };
}
