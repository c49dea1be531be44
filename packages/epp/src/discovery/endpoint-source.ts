// Where the EPP learns which pods are in its pool. For now a static list (flags or llm-d's
// endpoints.yaml); the cluster adds a source that watches the InferencePool's pods.

/** One pod of the pool, as a source reports it. */
export interface EndpointSpec {
  namespacedName: string;
  address: string;
  port: number;
  labels: Record<string, string>;
  /** Pods that are not Ready are never candidates. */
  ready: boolean;
}

export interface EndpointSource {
  current(): EndpointSpec[];
  /** Called with the full new list whenever it changes. */
  onChange(listener: (endpoints: EndpointSpec[]) => void): void;
}

/** A list that only changes when told to (tests, flags, files). */
export class StaticEndpointSource implements EndpointSource {
  private listeners: Array<(endpoints: EndpointSpec[]) => void> = [];

  constructor(private endpoints: EndpointSpec[]) {}

  current(): EndpointSpec[] {
    return this.endpoints;
  }

  onChange(listener: (endpoints: EndpointSpec[]) => void): void {
    this.listeners.push(listener);
  }

  set(endpoints: EndpointSpec[]): void {
    this.endpoints = endpoints;
    for (const listener of this.listeners) listener(endpoints);
  }
}
