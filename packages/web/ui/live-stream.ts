// The server's event stream, as one hook: samples (gauges, counters, the state line), request
// batches, and "the topology changed". Closing the page closes the stream, which stops the
// server's sampling when no other page is open.
import { useEffect, useState } from "preact/hooks";
import type { FlowEvent, Observation, StateLine } from "./api.js";

export interface LiveState {
  connected: boolean;
  samples: Observation[];
  state: StateLine | undefined;
  requests: FlowEvent[];
  /** The newest batch of requests to animate, and how many the server sampled away. */
  batch: { flows: FlowEvent[]; skipped: number; serial: number };
  /** Bumped when objects changed: the topology is fetched again. */
  topologySerial: number;
}

const KEPT_SAMPLES = 300;
const KEPT_REQUESTS = 100;

export function useLiveStream(): LiveState {
  const [live, setLive] = useState<LiveState>({
    connected: false,
    samples: [],
    state: undefined,
    requests: [],
    batch: { flows: [], skipped: 0, serial: 0 },
    topologySerial: 0,
  });
  useEffect(() => {
    const source = new EventSource("api/stream");
    const on = <T>(event: string, apply: (data: T, current: LiveState) => Partial<LiveState>) =>
      source.addEventListener(event, (message) => {
        const data = JSON.parse((message as MessageEvent<string>).data) as T;
        setLive((current) => ({ ...current, ...apply(data, current) }));
      });
    source.onopen = () => setLive((current) => ({ ...current, connected: true }));
    source.onerror = () => setLive((current) => ({ ...current, connected: false }));
    on<{ samples: Observation[]; state: StateLine }>("history", (data) => ({
      samples: data.samples,
      state: data.state,
    }));
    on<{ requests: FlowEvent[] }>("requests", (data) => ({ requests: data.requests }));
    on<{ sample: Observation; state: StateLine }>("sample", (data, current) => ({
      samples: [...current.samples, data.sample].slice(-KEPT_SAMPLES),
      state: data.state,
    }));
    on<{ flows: FlowEvent[]; skipped: number }>("flows", (data, current) => ({
      requests: [...current.requests, ...data.flows].slice(-KEPT_REQUESTS),
      batch: { flows: data.flows, skipped: data.skipped, serial: current.batch.serial + 1 },
    }));
    on<Record<string, never>>("topology", (_data, current) => ({ topologySerial: current.topologySerial + 1 }));
    return () => source.close();
  }, []);
  return live;
}
