// GET /listeners: each active listener's name and the address it is bound to, as text
// (`<name>::<ip>:<port>`) or `?format=json` (`listener_statuses[]`, envoy.admin.v3.Listeners).

/** A listener as it is bound (port 0 in the config is the port the kernel chose). */
export interface BoundListener {
  name: string;
  address: string;
  port: number;
}

export function listenersText(listeners: BoundListener[]): string {
  return listeners.map((l) => `${l.name}::${l.address}:${l.port}\n`).join("");
}

export function listenersJson(listeners: BoundListener[]): unknown {
  return {
    listener_statuses: listeners.map((l) => ({
      name: l.name,
      local_address: { socket_address: { address: l.address, port_value: l.port } },
    })),
  };
}
