export type { OcIo } from "./context.js";
export type { CapturedOc } from "./run-oc.js";
export { captureOc, processIo, runOc } from "./run-oc.js";
