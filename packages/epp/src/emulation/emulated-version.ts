// The released EPP behaviours the testbed's EPP can reproduce, chosen with `--emulate <version>`.
// Each row records what that version's own hermetic tests expect (see docs/reference/epp.md,
// "Emulated versions"), so a difference between versions comes from this table, never by accident.

/** What a request body looks like on its way upstream. */
export type RequestBodyHandling =
  /** Parsed into a Go map and marshalled again: keys sorted, `<>&` escaped (every released EPP). */
  | "re-encode"
  /** Forwarded byte for byte unless the EPP had to change it (llm-d-router after c51b75a1d). */
  | "as-sent";

export interface EmulatedVersion {
  name: string;
  /** The prefix of every ImmediateResponse body ("inference gateway" before GIE v1.3, then "inference error"). */
  errorPrefix: string;
  /** The message after `BadRequest - ` when the body is not JSON; `%s` is Go's json error text. */
  badJsonMessage: string;
  /**
   * The same message at -v ≥ 4 (logutil.DEBUG), where GIE v1.2 appends the body itself
   * (`%b`; handlers/server.go); unset where the text does not depend on the verbosity.
   */
  badJsonDebugMessage?: string;
  /** The 503 message when no endpoint is left after subsetting. */
  noCandidatesMessage: string;
  /** Request headers that carry the client-facing model's rewrite, in the order they are read. */
  modelRewriteHeaders: readonly string[];
  /** Request headers that name the InferenceObjective. */
  objectiveHeaders: readonly string[];
  requestBody: RequestBodyHandling;
  /** The body forwarded upstream carries the objective's priority (llm-d-router main). */
  injectPriority: boolean;
  /** The response body's model is rewritten back to the client-facing name (GIE ≥ v1.5). */
  rewriteResponseModel: boolean;
  /** `x-llm-d-request-dropped-reason` on rejections (llm-d-router main). */
  droppedReasonHeader: boolean;
  /** inference_objective_request_total carries a `priority` label. */
  priorityLabel: boolean;
  /** HELP texts of the GIE metrics that llm-d-router deprecated name their replacement. */
  deprecatedHelp: boolean;
}

const GIE_HEADERS = {
  modelRewriteHeaders: ["x-gateway-model-name-rewrite"],
  objectiveHeaders: ["x-gateway-inference-objective"],
} as const;

const LLM_D_HEADERS = {
  modelRewriteHeaders: ["x-llm-d-model-name-rewrite", "x-gateway-model-name-rewrite"],
  objectiveHeaders: ["x-llm-d-inference-objective", "x-gateway-inference-objective"],
} as const;

export const EMULATED_VERSIONS: Readonly<Record<string, EmulatedVersion>> = {
  "gie-v1.2": {
    name: "gie-v1.2",
    errorPrefix: "inference gateway",
    badJsonMessage: "Error unmarshaling request body",
    badJsonDebugMessage: "Error unmarshaling request body: %b",
    noCandidatesMessage: "failed to find candidate pods for serving the request",
    ...GIE_HEADERS,
    requestBody: "re-encode",
    injectPriority: false,
    rewriteResponseModel: false,
    droppedReasonHeader: false,
    priorityLabel: false,
    deprecatedHelp: false,
  },
  "gie-v1.5": {
    name: "gie-v1.5",
    errorPrefix: "inference error",
    badJsonMessage: "error unmarshaling request bodyMap: %s",
    noCandidatesMessage: "failed to find endpoint candidates for serving the request",
    ...GIE_HEADERS,
    requestBody: "re-encode",
    injectPriority: false,
    rewriteResponseModel: true,
    droppedReasonHeader: false,
    priorityLabel: true,
    deprecatedHelp: false,
  },
  "llm-d-router-c51b75a1d": {
    name: "llm-d-router-c51b75a1d",
    errorPrefix: "inference error",
    badJsonMessage: "error unmarshaling request bodyMap: %s",
    noCandidatesMessage: "failed to find endpoint candidates for serving the request",
    ...LLM_D_HEADERS,
    requestBody: "as-sent",
    injectPriority: false,
    rewriteResponseModel: true,
    droppedReasonHeader: true,
    priorityLabel: true,
    deprecatedHelp: true,
  },
  "llm-d-router-main": {
    name: "llm-d-router-main",
    errorPrefix: "inference error",
    badJsonMessage: "error unmarshaling request bodyMap: %s",
    noCandidatesMessage: "failed to find endpoint candidates for serving the request",
    ...LLM_D_HEADERS,
    requestBody: "re-encode",
    injectPriority: true,
    rewriteResponseModel: true,
    droppedReasonHeader: true,
    priorityLabel: true,
    deprecatedHelp: true,
  },
};

/**
 * The default: what RHOAI 3.2 ships. Its scheduler image is built from llm-d-inference-scheduler's
 * `rhoai-3.2` branch (red-hat-data-services), whose go.mod requires gateway-api-inference-extension
 * v1.2.1 — the EPP handlers, error texts and metrics of GIE v1.2.
 */
export const DEFAULT_EMULATED_VERSION = "gie-v1.2";

export function emulatedVersion(name: string): EmulatedVersion {
  const version = EMULATED_VERSIONS[name];
  if (!version) {
    throw new Error(`unknown --emulate version "${name}" (known: ${Object.keys(EMULATED_VERSIONS).join(", ")})`);
  }
  return version;
}

/**
 * Request headers that steer the EPP and are never copied back (GIE's InputControlHeaders). Worked
 * out once per EPP, beside its version (StreamParts.controlHeaders), not per request.
 */
export function controlHeaders(version: EmulatedVersion): ReadonlySet<string> {
  const fairness = version.objectiveHeaders.map((name) => name.replace("objective", "fairness-id"));
  return new Set([
    ...version.objectiveHeaders,
    ...version.modelRewriteHeaders,
    ...fairness,
    "x-gateway-destination-endpoint-subset",
  ]);
}
