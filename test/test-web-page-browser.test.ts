// The workshop page in a real browser (Debian's chromium through playwright-core), on the seed's
// cluster: the topology shows the seed's objects, a curl-like request appears and opens its trace,
// the seed's fixes change the state line and the EPP counters, and the page works from the
// keyboard with accessible names. Each step leaves a screenshot in .artifacts/web-page/.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { eventually, systemClock } from "@testbed/common";
import { TraceCollector, traceTargets } from "@testbed/trace";
import { fetchPodText, startWebServer, type WebServerHandle } from "@testbed/web";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ARTIFACTS_DIR, chromiumMissing, launchChromium, type RealBrowser } from "./real-browser.js";
import { CHAT_PATH, chatBody, type SeedTestbed, send, startSeedTestbed } from "./seed-testbed.js";

const missing = chromiumMissing();
if (missing) process.stderr.write(`test-web-page-browser: skipped, ${missing}\n`);

describe.skipIf(missing !== undefined)("the workshop page in chromium", () => {
  let cluster: SeedTestbed;
  let web: WebServerHandle;
  let browser: RealBrowser;
  let page: Page;
  let gateway = "";

  beforeAll(async () => {
    cluster = await startSeedTestbed(93);
    gateway = await cluster.gatewayAddress("openshift-ai-inference");
    web = await startWebServer({
      port: 0,
      sources: {
        store: cluster.testbed.store,
        logs: cluster.testbed.kubelet,
        fetchText: fetchPodText,
        envoyVersion: "1.34",
        traces: new TraceCollector(() => traceTargets(cluster.testbed.store.peekList("Pod"))),
        clock: systemClock,
      },
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.goto(web.url);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await web?.close();
    await cluster?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
  const stateLine = () => page.getByRole("status", { name: "What the seed would call this state" });
  const chat = (content: string) => send(`https://${gateway}${CHAT_PATH}`, { body: chatBody(content) });
  /** The accessible name of the element that has the keyboard focus. */
  const focusedLabel = () => page.evaluate<string>("document.activeElement?.getAttribute('aria-label') ?? ''");
  const eppCounter = () =>
    page
      .getByRole("list", { name: "EPP cluster counters per gateway" })
      .getByRole("listitem", { name: /^openshift-ai-inference:/ });

  it("shows the seed's objects: gateways, filters, HTTPRoute, InferencePool, EPP, Services, DestinationRules, pods by role", async () => {
    for (const name of [
      /^Gateway openshift-ingress\/openshift-ai-inference/,
      /^Gateway openshift-ingress\/maas-gateway/,
      /^HTTPRoute my-first-model\/qwen3-0-6b-kserve-route/,
      /^InferencePool my-first-model\/qwen3-0-6b-inference-pool/,
      /^Service my-first-model\/qwen3-0-6b-epp-service/,
      /^Service my-first-model\/qwen3-0-6b-kserve-workload-svc/,
      /^DestinationRule my-first-model\//,
      /^AuthPolicy /,
      /^RateLimitPolicy /,
    ]) {
      await expect.poll(() => page.getByRole("button", { name }).count()).toBeGreaterThan(0);
    }
    await expect.poll(() => page.getByRole("button", { name: /^Pod my-first-model\/.*: decode/ }).count()).toBe(2);
    await expect.poll(() => page.getByRole("button", { name: /^Pod my-first-model\/.*: prefill/ }).count()).toBe(2);
    await expect.poll(() => page.getByRole("button", { name: /^Pod my-first-model\/.*: EPP/ }).count()).toBe(1);
    // The ext_proc each route runs with, as shipped: the InferencePool routes' override, FULL_DUPLEX_STREAMED.
    const chatRow = page.getByRole("row", {
      name: /openshift-ai-inference my-first-model\.qwen3-0-6b-kserve-route\.1/,
    });
    await expect.poll(() => chatRow.textContent()).toContain("FULL_DUPLEX_STREAMED");
    await expect.poll(() => stateLine().textContent()).toContain("No inference request seen yet");
    await shot("01-topology");
  });

  it("Bug 1: a curl POST appears with its status, the state line reads body lost, cx_connect_fail = cx_total", async () => {
    const response = await chat("Hi");
    expect(response.status).toBe(400);
    const requestId = await eventually(async () => {
      const item = page.getByRole("button", {
        name: /^Trace of request .*: POST \/my-first-model\/qwen3-0-6b\/v1\/chat\/completions, 400$/,
      });
      if ((await item.count()) === 0) throw new Error("the request is not listed yet");
      return (await item.first().getAttribute("aria-label")) ?? "";
    });
    expect(requestId).toMatch(/^Trace of request [0-9a-f-]{36}/);
    await expect.poll(() => stateLine().textContent(), { timeout: 10_000 }).toContain("Body lost");
    await expect
      .poll(() => eppCounter().getAttribute("aria-label"))
      .toBe("openshift-ai-inference: cx_total 1, cx_connect_fail 1, rq_total 1");
    await shot("02-bug1-body-lost");
  });

  it("a click on the request opens its trace: the body moved into a stream that failed TLS, fail-open, no body upstream", async () => {
    await page
      .getByRole("button", { name: /^Trace of request .*, 400$/ })
      .first()
      .click();
    const dialog = page.getByRole("dialog", { name: /^Trace of / });
    await expect.poll(() => dialog.count()).toBe(1);
    const ext = dialog.getByRole("listitem").filter({ hasText: /^ext_proc/ });
    await expect.poll(() => ext.textContent()).toContain("the stream to the processor FAILED: TLS");
    const text = (await ext.textContent()) ?? "";
    expect(text).toContain("had been MOVED into the stream: 0 bytes are left for the upstream");
    expect(text).toContain("fail-open");
    expect(await dialog.locator(".summary").textContent()).toMatch(/^In short: the body went into the ext_proc stream/);
    await shot("03-trace");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
  });

  it("the first fix (HTTP_ROUTE EnvoyFilter): the state line reads EPP never contacted, cx_total unchanged", async () => {
    await cluster.oc("apply", "-f", "manifests/07-envoyfilter-fix-extproc-body-route.yaml");
    await eventually(
      async () =>
        !(await cluster.envoyAdmin("openshift-ai-inference", "/config_dump")).includes("FULL_DUPLEX_STREAMED"),
    );
    // A sample of the counters as they are before the next requests (the state line compares with it).
    const taken = web.hub.samples().length;
    await eventually(() => web.hub.samples().length > taken + 1);
    for (let i = 0; i < 4; i++) expect((await chat(`Question ${i}`)).status).toBe(200);
    await expect.poll(() => stateLine().textContent(), { timeout: 10_000 }).toContain("EPP never contacted");
    await expect
      .poll(() => eppCounter().getAttribute("aria-label"))
      .toBe("openshift-ai-inference: cx_total 1, cx_connect_fail 1, rq_total 1");
    await expect
      .poll(() => page.getByRole("button", { name: /^EnvoyFilter openshift-ingress\/fix-extproc-body-mode/ }).count())
      .toBe(1);
    await shot("04-bug2-never-contacted");
  }, 30_000);

  it("the scheduler TLS patch: the EPP is contacted for every request and the counters grow without failures", async () => {
    const patch = readFileSync("manifests/09-scheduler-tls-patch.json", "utf8");
    await cluster.oc("patch", "llminferenceservice", "qwen3-0-6b", "-n", "my-first-model", "--type=json", "-p", patch);
    await cluster.oc("delete", "-f", "manifests/07-envoyfilter-fix-extproc-body-route.yaml");
    await eventually(
      async () =>
        (await chat("Are you there?")).status === 200 &&
        (await chat("Again?")).headers["x-went-into-resp-headers"] === "true",
      { timeoutMs: 30_000 },
    );
    for (let i = 0; i < 4; i++) expect((await chat(`Routed question ${i}`)).status).toBe(200);
    await expect.poll(() => stateLine().textContent(), { timeout: 10_000 }).toContain("The EPP picks");
    await expect
      .poll(async () => Number(/rq_total (\d+)/.exec((await eppCounter().getAttribute("aria-label")) ?? "")?.[1]), {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(4);
    await expect.poll(() => eppCounter().getAttribute("aria-label")).toContain("cx_connect_fail 0");
    await shot("05-epp-routing");
    // A routed request's trace: the EPP's scores per scorer per pod, and the pod it picked.
    await page
      .getByRole("button", { name: /^Trace of request .*, 200$/ })
      .first()
      .click();
    const dialog = page.getByRole("dialog", { name: /^Trace of / });
    await expect.poll(() => dialog.locator("table.scores caption").count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await dialog.locator("table.scores caption").first().textContent()).toMatch(/^EPP profile \S+: picked /);
    await shot("05b-routed-trace");
    await page.keyboard.press("Escape");
  }, 60_000);

  it("works from the keyboard: Tab reaches the objects, Enter opens the YAML, Escape gives the focus back", async () => {
    const route = page.getByRole("button", { name: /^HTTPRoute my-first-model\/qwen3-0-6b-kserve-route/ });
    await route.focus();
    await page.keyboard.press("Tab");
    const next = await focusedLabel();
    expect(next).not.toBe("");
    await route.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "HTTPRoute/my-first-model/qwen3-0-6b-kserve-route" });
    await expect.poll(() => dialog.count()).toBe(1);
    await expect.poll(() => dialog.textContent()).toContain("kind: HTTPRoute");
    expect(await page.evaluate<string>("document.activeElement?.textContent ?? ''")).toBe("Close");
    await shot("06-object-yaml");
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.count()).toBe(0);
    // The focus comes back on the next frame, once the page re-rendered without the panel.
    await expect.poll(focusedLabel).toMatch(/^HTTPRoute my-first-model\/qwen3-0-6b-kserve-route/);
  });
});
