// A connection to an Endpoint Picker as a gateway holds one, opening one ext_proc stream per request.
import * as grpc from "@grpc/grpc-js";
import { type ExtProcClient, extProcService } from "@testbed/protocol";
import { EppExchange, type EppExchangeOptions } from "./epp-exchange.js";
import { ExtProcSession, type ProcessingCall } from "./ext-proc-session.js";

/**
 * How a gateway reaches an Endpoint Picker: plaintext or TLS (verified against a CA, with an
 * SNI/name override, or not verified at all).
 */
export interface EppConnectionOptions {
  /** host:port */
  address: string;
  tls?: {
    /** PEM of the CA that must have signed the EPP's certificate. */
    caPem?: string;
    /** Name to verify the certificate against (Envoy's SNI), e.g. qwen3-0-6b-epp-service.my-first-model.svc. */
    serverName?: string;
    insecureSkipVerify?: boolean;
  };
}

export class EppClient {
  private readonly client: ExtProcClient;

  constructor(readonly options: EppConnectionOptions) {
    const { Client } = extProcService();
    const channelOptions: grpc.ChannelOptions = {};
    let credentials = grpc.credentials.createInsecure();
    if (options.tls) {
      const root = options.tls.caPem ? Buffer.from(options.tls.caPem) : null;
      credentials = grpc.credentials.createSsl(
        root,
        null,
        null,
        options.tls.insecureSkipVerify ? { rejectUnauthorized: false } : {},
      );
      if (options.tls.serverName) channelOptions["grpc.ssl_target_name_override"] = options.tls.serverName;
    }
    this.client = new Client(options.address, credentials, channelOptions) as unknown as ExtProcClient;
  }

  /** False once the channel has failed (TRANSIENT_FAILURE) or closed: a gateway then connects anew. */
  get usable(): boolean {
    const state = this.client.getChannel().getConnectivityState(false);
    return state !== grpc.connectivityState.TRANSIENT_FAILURE && state !== grpc.connectivityState.SHUTDOWN;
  }

  /** A raw ext_proc stream: send any message, read the answers. */
  session(): ExtProcSession {
    return new ExtProcSession(this.call());
  }

  /** One HTTP exchange through the EPP, driven by the gateway's own exchange code. */
  exchange(options: EppExchangeOptions): EppExchange {
    return new EppExchange(() => this.call(), options);
  }

  private call(): ProcessingCall {
    return this.client.Process() as unknown as ProcessingCall;
  }

  close(): void {
    this.client.close();
  }
}
