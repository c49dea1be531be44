// The names an Endpoint Picker and the gateway in front of it agree on, in ONE place that both
// sides import (as GIE keeps them in pkg/epp/metadata/consts.go): the routing header and its
// `envoy.lb` dynamic metadata, the subset hint Envoy forwards, and the debugging and P/D headers.

/** The header the EPP sets to name the chosen endpoint(s), "ip:port" (comma-separated if several). */
export const DESTINATION_HEADER = "x-gateway-destination-endpoint";

/** The dynamic-metadata namespace that carries the same choice for Envoy's override-host policy. */
export const LB_METADATA_NAMESPACE = "envoy.lb";

/** The key under `envoy.lb` naming the endpoint that actually served the request. */
export const DESTINATION_SERVED_KEY = "x-gateway-destination-endpoint-served";

/** metadata_context namespace of the subset hint: the endpoints a request may go to. */
export const SUBSET_HINT_NAMESPACE = "envoy.lb.subset_hint";

/** The key under SUBSET_HINT_NAMESPACE holding the list of allowed "ip:port" endpoints. */
export const SUBSET_HINT_KEY = "x-gateway-destination-endpoint-subset";

/** The debugging header the EPP has always added to response headers: proof it is in the loop. */
export const WENT_INTO_RESPONSE_HEADER = "x-went-into-resp-headers";

/** Set by the EPP for llm-d's routing sidecar: where to run the remote prefill (P/D). */
export const PREFILLER_HEADER = "x-prefiller-host-port";

/** The older form of the prefill header, a URL whose scheme the sidecar strips. */
export const PREFILLER_URL_HEADER = "x-prefiller-url";

/** The request id the EPP logs under, and sets when the request came without one. */
export const REQUEST_ID_HEADER = "x-request-id";

/** GIE's test filter header: the endpoints a test pins a request to. */
export const TEST_SELECTION_HEADER = "test-epp-endpoint-selection";

/** The largest streamed_response chunk the EPP sends back in FULL_DUPLEX_STREAMED mode. */
export const MAX_CHUNK_BYTES = 62_000;
