// `pods/portforward` over WebSocket, as the kubelet serves it (cri/streaming/portforward/websocket.go):
// the ports come in the query (`ports=8000[,9000]` or repeated); port i gets channel 2i for data and
// 2i+1 for errors; each channel's first message is its port as two little-endian bytes; the
// connection to the pod's port opens with the WebSocket and ends it when it closes.
import { connect, type Socket } from "node:net";
import type { KubeObject } from "@testbed/apimachinery";
import { ApiError } from "@testbed/apimachinery";
import type { ChannelSocket } from "./channel-protocol.js";

/** The kubelet's port-forward subprotocols (v5 is exec's only: a client offering it gets v4). */
export const PORT_FORWARD_PROTOCOLS = [
  "v4.channel.k8s.io",
  "v4.base64.channel.k8s.io",
  "channel.k8s.io",
  "base64.channel.k8s.io",
] as const;

export function parsePorts(query: URLSearchParams): number[] {
  const texts = query.getAll("ports").flatMap((value) => value.split(","));
  if (texts.length === 0) throw new ApiError("BadRequest", 'query parameter "port" is required');
  return texts.map((text) => {
    const port = Number(text.trim());
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ApiError("BadRequest", `unable to parse "${text}" as a port: invalid port`);
    }
    return port;
  });
}

export function streamPortForward(channels: ChannelSocket, pod: KubeObject, ports: number[]): void {
  const podIP = pod.status?.podIP as string | undefined;
  const connections: Socket[] = [];
  ports.forEach((port, index) => {
    const prefix = Buffer.from([port & 0xff, port >> 8]);
    channels.write(index * 2, prefix);
    channels.write(index * 2 + 1, prefix);
    if (!podIP) {
      channels.write(index * 2 + 1, `pod ${pod.metadata.name} has no IP address yet`);
      channels.close();
      return;
    }
    const connection = connect({ host: podIP, port });
    connections[index] = connection;
    connection.on("data", (data: Buffer) => channels.write(index * 2, data));
    connection.on("error", (error) => {
      channels.write(
        index * 2 + 1,
        `error forwarding port ${port} to pod ${pod.metadata.name}, uid : ${(error as NodeJS.ErrnoException).code ?? error.message}`,
      );
      channels.close();
    });
    connection.on("close", () => channels.close());
  });
  channels.onMessage((channel, data) => {
    // Client data on a data channel; anything on an error channel is ignored, as the kubelet does.
    if (channel % 2 === 0) connections[channel / 2]?.write(data);
  });
  channels.socket.on("close", () => {
    for (const connection of connections) connection?.destroy();
  });
}
