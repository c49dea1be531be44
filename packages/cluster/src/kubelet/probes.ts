import { connect } from "node:net";
import type { Clock } from "@testbed/common";
import { HealthService } from "@testbed/protocol";
import { Agent, request } from "undici";
import { servingPort } from "../network/ports.js";
import type { ContainerSpec, Probe } from "./runtimes/container-runtime.js";

const PROBE_TIMEOUT_MS = 1_000;
// Probes check the pod's own endpoint: like the kubelet, they do not verify its certificate.
const insecure = new Agent({ connect: { rejectUnauthorized: false }, keepAliveTimeout: 1 });

/**
 * One readiness check, as the kubelet runs it: HTTP GET (2xx/3xx), TCP connect, or gRPC health SERVING.
 * The HTTP and TCP timeouts are socket options (real time); the gRPC one runs on `clock`.
 */
export async function runProbe(probe: Probe, podIP: string, container: ContainerSpec, clock: Clock): Promise<boolean> {
  try {
    if (probe.httpGet) {
      const port = servingPort(resolvePort(probe.httpGet.port, container));
      const scheme = (probe.httpGet.scheme ?? "HTTP").toLowerCase();
      const response = await request(`${scheme}://${podIP}:${port}${probe.httpGet.path ?? "/"}`, {
        dispatcher: insecure,
        headersTimeout: PROBE_TIMEOUT_MS,
        bodyTimeout: PROBE_TIMEOUT_MS,
      });
      await response.body.dump();
      return response.statusCode >= 200 && response.statusCode < 400;
    }
    if (probe.tcpSocket) return await tcpConnects(podIP, servingPort(resolvePort(probe.tcpSocket.port, container)));
    if (probe.grpc)
      return await grpcServing(`${podIP}:${servingPort(probe.grpc.port)}`, probe.grpc.service ?? "", clock);
    return true;
  } catch {
    return false;
  }
}

/** A named port (`https`) resolves through the container's ports, as in a PodSpec. */
function resolvePort(port: number | string, container: ContainerSpec): number {
  if (typeof port === "number") return port;
  const named = container.ports?.find((p) => p.name === port);
  if (named) return named.containerPort;
  const numeric = Number(port);
  if (Number.isInteger(numeric)) return numeric;
  throw new Error(`port "${port}" not found in container ${container.name}`);
}

function tcpConnects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function grpcServing(address: string, service: string, clock: Clock): Promise<boolean> {
  const client = HealthService.client(address);
  return new Promise((resolve) => {
    const timeout = clock.setTimeout(() => {
      client.close();
      resolve(false);
    }, PROBE_TIMEOUT_MS);
    client.Check({ service }, (error, response) => {
      clock.clearTimeout(timeout);
      client.close();
      resolve(!error && response?.status === "SERVING");
    });
  });
}
