// Kubernetes' channel protocol over WebSocket (apimachinery util/remotecommand and wsstream): every
// binary message starts with one byte naming the channel — 0 stdin, 1 stdout, 2 stderr, 3 error
// (a JSON Status since v4), 4 resize; v5 adds 255, a CLOSE signal whose second byte names the
// channel the peer is done writing. The base64 variants (`base64.channel.k8s.io`) send the channel
// as an ASCII digit and the data base64-encoded, for browsers.
import type { WebSocket } from "ws";

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5's CLOSE signal. */
export const CLOSE = 255;

/** The subprotocols exec and attach speak, most preferred first (kube-apiserver's order). */
export const REMOTE_COMMAND_PROTOCOLS = [
  "v5.channel.k8s.io",
  "v4.channel.k8s.io",
  "v4.base64.channel.k8s.io",
  "channel.k8s.io",
  "base64.channel.k8s.io",
] as const;

/** The first protocol of ours the client offers, in the client's order as wsstream's handshake picks it. */
export function chooseProtocol(offered: Set<string>, supported: readonly string[]): string | false {
  for (const protocol of offered) if (supported.includes(protocol)) return protocol;
  return false;
}

/** A channel-framed view of one WebSocket. */
export class ChannelSocket {
  readonly base64: boolean;

  constructor(
    readonly socket: WebSocket,
    readonly protocol: string,
  ) {
    this.base64 = protocol.includes("base64");
  }

  write(channel: number, data: Buffer | string): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    if (this.base64) {
      this.socket.send(`${String.fromCharCode(48 + channel)}${bytes.toString("base64")}`);
      return;
    }
    this.socket.send(Buffer.concat([Buffer.from([channel]), bytes]), { binary: true });
  }

  /** Each message the client sends, as channel and data. */
  onMessage(handler: (channel: number, data: Buffer) => void): void {
    this.socket.on("message", (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const message = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
      if (message.length === 0) return;
      if (!isBinary || this.base64) {
        const text = message.toString("utf8");
        handler(text.charCodeAt(0) - 48, Buffer.from(text.slice(1), "base64"));
        return;
      }
      handler(message[0] as number, message.subarray(1));
    });
  }

  /** A normal close, after everything written has been sent. */
  close(): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000);
  }
}

/** The error channel's Status for a command that ran: Success, or NonZeroExitCode with the code as a cause. */
export function exitStatus(command: string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${command.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** The error channel's Status for a stream that could not run (container not running, no such command…). */
export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: "Failure", message };
}
