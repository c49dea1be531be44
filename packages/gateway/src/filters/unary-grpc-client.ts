import * as grpc from "@grpc/grpc-js";
import type { GrpcConnection } from "../ext-proc/grpc-cluster-client.js";
import type { UpstreamTlsOptions } from "../upstream/tls-options.js";

/** A unary gRPC client (ext_authz Check, ratelimit ShouldRateLimit) with the cluster's TLS. */
export class UnaryGrpcClient implements GrpcConnection {
  private readonly client: grpc.Client;

  constructor(Client: grpc.ServiceClientConstructor, hostPort: string, tls: UpstreamTlsOptions | undefined) {
    let credentials = grpc.credentials.createInsecure();
    const options: grpc.ChannelOptions = {};
    if (tls) {
      credentials = grpc.credentials.createSsl(
        tls.ca ? Buffer.from(tls.ca) : null,
        null,
        null,
        tls.rejectUnauthorized ? {} : { rejectUnauthorized: false },
      );
      if (tls.servername) options["grpc.ssl_target_name_override"] = tls.servername;
    }
    this.client = new Client(hostPort, credentials, options);
  }

  get usable(): boolean {
    const state = this.client.getChannel().getConnectivityState(false);
    return state !== grpc.connectivityState.TRANSIENT_FAILURE && state !== grpc.connectivityState.SHUTDOWN;
  }

  call<Req, Res>(method: string, request: Req, timeoutMs: number): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (
        this.client as unknown as Record<
          string,
          (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v?: Res) => void) => void
        >
      )[method];
      if (!fn) {
        reject(new Error(`no method ${method}`));
        return;
      }
      fn.call(this.client, request, { deadline: Date.now() + timeoutMs }, (error, value) =>
        error ? reject(error) : resolve(value as Res),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
