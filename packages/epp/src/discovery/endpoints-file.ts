// llm-d's no-Kubernetes discovery formats. `--endpoints 10.0.0.1:8000,10.0.0.2:8000`, or an
// endpoints.yaml as the file-discovery plugin reads it:
//
//   endpoints:
//   - name: vllm-0          # required
//     namespace: default    # optional
//     address: "10.0.0.1"   # required, IPv4
//     port: "8000"          # required, "1".."65535"
//     labels: {llm-d.ai/role: decode}
import { parse } from "yaml";
import type { EndpointSpec } from "./endpoint-source.js";

/** An --endpoints list or endpoints.yaml that cannot be read; the message says where. */
export class EndpointsFileError extends Error {}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

export function parseEndpointList(list: string): EndpointSpec[] {
  return list
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry, index) => {
      const match = /^(.+):(\d+)$/.exec(entry);
      if (!match || !IPV4.test(match[1] as string))
        throw new EndpointsFileError(`--endpoints: "${entry}" is not ip:port`);
      return spec(
        `default/endpoint-${index}`,
        match[1] as string,
        checkPort(match[2] as string, `--endpoints[${index}]`),
        {},
      );
    });
}

export function parseEndpointsYaml(text: string, source: string): EndpointSpec[] {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new EndpointsFileError(`${source}: invalid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const endpoints = (document as { endpoints?: unknown } | null)?.endpoints;
  if (!Array.isArray(endpoints)) throw new EndpointsFileError(`${source}: endpoints: must be a list`);
  const seen = new Set<string>();
  return endpoints.map((raw, index) => {
    const path = `${source}: endpoints[${index}]`;
    const entry = (raw ?? {}) as Record<string, unknown>;
    if (typeof entry.name !== "string" || entry.name === "") throw new EndpointsFileError(`${path}.name: is required`);
    if (typeof entry.address !== "string" || !IPV4.test(entry.address)) {
      throw new EndpointsFileError(`${path}.address: must be an IPv4 address, got ${JSON.stringify(entry.address)}`);
    }
    const namespace = typeof entry.namespace === "string" && entry.namespace !== "" ? entry.namespace : "default";
    const labels = (entry.labels ?? {}) as Record<string, unknown>;
    if (typeof labels !== "object" || Array.isArray(labels))
      throw new EndpointsFileError(`${path}.labels: must be a map`);
    const name = `${namespace}/${entry.name}`;
    if (seen.has(name)) throw new EndpointsFileError(`${path}.name: duplicate endpoint ${name}`);
    seen.add(name);
    return spec(
      name,
      entry.address,
      checkPort(entry.port, `${path}.port`),
      Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
    );
  });
}

function checkPort(value: unknown, path: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new EndpointsFileError(`${path}: must be a port from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

function spec(namespacedName: string, address: string, port: number, labels: Record<string, string>): EndpointSpec {
  return { namespacedName, address, port, labels, ready: true };
}
