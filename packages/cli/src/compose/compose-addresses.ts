// Addresses in docker compose: the same layout as the embedded testbed's pods, on a private
// network instead of loopback — 127.<node>.<subnet>.<n> → 10.<node>.18.<n>, so the seed's
// 10.129.18.21 is a decode pod again. The compose network is 10.128.0.0/13 (10.128–10.135).

/** The compose network, wide enough for every node's 10.<node>.18.0/24. */
export const COMPOSE_SUBNET = "10.128.0.0/13";

export function composeAddress(loopback: string): string {
  const match = /^127\.(\d+)\.\d+\.(\d+)$/.exec(loopback);
  if (!match) throw new Error(`not a testbed pod address: ${loopback}`);
  return `10.${match[1]}.18.${match[2]}`;
}

/** Rewrite every embedded pod address inside a text or a JSON-like value. */
export function rewriteAddresses<T>(value: T): T {
  const text = JSON.stringify(value);
  const rewritten = text.replace(/\b127\.(\d+)\.\d+\.(\d+)\b/g, (_match, node: string, host: string) =>
    node === "0" ? `127.0.0.${host}` : `10.${node}.18.${host}`,
  );
  return JSON.parse(rewritten) as T;
}
