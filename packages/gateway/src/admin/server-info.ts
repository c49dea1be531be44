// GET /server_info (envoy.admin.v3.ServerInfo): the running Envoy's version string
// `<commit>/<version>/<Clean|Modified>/<RELEASE|DEBUG>/<TLS library>`, its state, uptimes as
// durations, the hot restart version and the bootstrap's node. The version is the gateway's Envoy
// version profile (its first patch release, or the patch a patch profile names); the commit is
// not modelled (zeros).
import { type EnvoyVersion, envoyReleaseOf } from "../envoy-version.js";

export interface ServerInfoSources {
  envoyVersion: EnvoyVersion;
  uptimeSeconds: number;
  node: unknown;
}

/** Envoy's build version for a version profile, in `/server_info`'s format. */
export function envoyBuildVersion(version: EnvoyVersion): string {
  return `${"0".repeat(40)}/${envoyReleaseOf(version)}/Clean/RELEASE/BoringSSL`;
}

export function serverInfo(sources: ServerInfoSources): Record<string, unknown> {
  const uptime = `${Math.floor(sources.uptimeSeconds)}s`;
  return {
    version: envoyBuildVersion(sources.envoyVersion),
    state: "LIVE",
    uptime_current_epoch: uptime,
    uptime_all_epochs: uptime,
    // pilot-agent starts Envoy with --disable-hot-restart.
    hot_restart_version: "disabled",
    command_line_options: { concurrency: 2, mode: "Serve", disable_hot_restart: true },
    ...(sources.node ? { node: sources.node } : {}),
  };
}
