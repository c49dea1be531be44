export type { CertificateSubject, KeyAlgorithm, PemKeyPair } from "./certificates.js";
export { CertificateAuthority, createSelfSignedCertificate } from "./certificates.js";
export type { Clock, TimerHandle } from "./clock.js";
export { SimulatedClock, SystemClock } from "./clock.js";
export { HOP_BY_HOP_HEADERS } from "./http-headers.js";
export type { LogSink } from "./log.js";
export { LogBuffer, silentSink, stderrSink } from "./log.js";
export { hashString, mixSeeds, SeededRandom } from "./random.js";
