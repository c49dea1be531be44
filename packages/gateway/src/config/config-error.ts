/** An invalid value in an Envoy config, named by its path (e.g. static_resources.clusters[1].type). */
export class GatewayConfigError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "GatewayConfigError";
  }
}
