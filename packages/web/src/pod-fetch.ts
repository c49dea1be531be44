// GETs to pods for the page's samples: /metrics and the gateways' admin API. Pods serve HTTPS with
// certificates the page has no reason to verify (self-signed or the service CA's: what `curl -k`
// does); a slow pod must not hold a sample, hence the short timeout.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

const TIMEOUT_MS = 2_000;

/** The body of a 2xx answer; any other outcome rejects with a short reason. */
export function fetchPodText(url: string): Promise<string> {
  const target = new URL(url);
  const request = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(target, { agent: false, rejectUnauthorized: false, timeout: TIMEOUT_MS }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () => {
        const status = incoming.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(Buffer.concat(chunks).toString());
        else reject(new Error(`GET ${url}: ${status}`));
      });
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`GET ${url}: timed out`)));
    outgoing.on("error", reject);
    outgoing.end();
  });
}
