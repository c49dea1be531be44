// What the text keeps when generation stops (vLLM's v1 detokenizer): a stop string is cut off and a
// stop token's text is left out, unless include_stop_str_in_output.
import { afterAll, describe, expect, it } from "vitest";
import { postJson, testApp } from "./server-harness.js";

const { app, server } = testApp({ mode: "echo" });
afterAll(() => app.close());

async function answer(extra: object) {
  const response = await postJson(app, "/v1/chat/completions", {
    messages: [{ role: "user", content: "one two three four" }],
    ...extra,
  });
  return response.json().choices[0] as { message: { content: string }; finish_reason: string; stop_reason: unknown };
}

describe("stop strings and stop tokens in the output", () => {
  it("include_stop_str_in_output keeps the stop string", async () => {
    expect((await answer({ stop: [" three"] })).message.content).toBe("one two");
    const kept = await answer({ stop: [" three"], include_stop_str_in_output: true });
    expect(kept.message.content).toBe("one two three");
    expect(kept.stop_reason).toBe(" three");
  });

  it("a stop_token_ids token ends the text without its own text, unless include_stop_str_in_output", async () => {
    const [three] = server.tokenizer.encode(" three");
    const cut = await answer({ stop_token_ids: [three] });
    expect(cut.message.content).toBe("one two");
    expect(cut).toMatchObject({ finish_reason: "stop", stop_reason: three });
    expect((await answer({ stop_token_ids: [three], include_stop_str_in_output: true })).message.content).toBe(
      "one two three",
    );
  });
});
