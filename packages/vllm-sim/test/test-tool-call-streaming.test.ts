// The streaming tool parsers token by token, against what vLLM 0.11's code does with the same deltas
// (Hermes2ProToolParser.extract_tool_calls_streaming; OpenAIServingChat.extract_tool_call_required_streaming).
import { describe, expect, it } from "vitest";
import { type DeltaMessage, HermesToolStream, RequiredToolStream } from "../src/http/tool-call-streaming.js";

function run(stream: HermesToolStream | RequiredToolStream, pieces: string[]): Array<DeltaMessage | null> {
  let previous = "";
  return pieces.map((piece) => {
    const current = previous + piece;
    const delta = stream.next(previous, current, piece);
    previous = current;
    return delta;
  });
}

describe("hermes", () => {
  it("text before the call is content; the name goes once complete, then the arguments as diffed", () => {
    let ids = 0;
    const stream = new HermesToolStream(() => `chatcmpl-tool-${ids++}`);
    const pieces = ["Let me", " check.", "<tool_call>", "\n", '{"', "name", '":', ' "', "get", "_weather", '",'];
    const more = [' "', "arguments", '":', ' {"', "city", '":', ' "', "Paris", '"}}', "\n", "</tool_call>", ""];
    const deltas = run(stream, [...pieces, ...more]);
    expect(deltas.slice(0, 2)).toEqual([{ content: "Let me" }, { content: " check." }]);
    // Nothing while the name is an unfinished string (the parser drops partial strings until then).
    expect(deltas.slice(2, 10).every((delta) => delta === null)).toBe(true);
    expect(deltas[10]).toEqual({
      tool_calls: [{ id: "chatcmpl-tool-0", type: "function", index: 0, function: { name: "get_weather" } }],
    });
    const args = deltas.flatMap((delta) => delta?.tool_calls?.map((call) => call.function.arguments ?? "") ?? []);
    // The first arguments delta is json.dumps of the parsed prefix up to the delta; the last '}' is cut.
    // The newline before </tool_call> goes out as arguments too: vLLM's check for a closing '}' looks at
    // delta_text.rstrip(), which is empty, so the delta is sent unchanged.
    expect(args.join("")).toBe('{"city": "Paris"}\n');
    expect(deltas.at(-1)).toEqual({ content: "" });
    expect(stream.called).toBe(true);
  });

  it("a call whose name and empty arguments come in one delta sends both with the id", () => {
    const stream = new HermesToolStream(() => "id");
    const deltas = run(stream, ["<tool_call>", "\n", '{"name": "now", "arguments": {}}', "\n", "</tool_call>"]);
    expect(deltas[2]).toEqual({
      tool_calls: [{ id: "id", type: "function", index: 0, function: { name: "now", arguments: "{}" } }],
    });
  });

  it.each([
    ["empty arguments", ['"', ", ", '"', "arguments", '":', " {}", "}"]],
    ["no arguments key", ['"', "}"]],
  ])('a call with %s gets arguments "{}" when </tool_call> closes it', (_label, rest) => {
    const stream = new HermesToolStream(() => "id");
    const head = ["<tool_call>", "\n", '{"', "name", '":', ' "', "now"];
    const deltas = run(stream, [...head, ...rest, "\n", "</tool_call>"]);
    const named = deltas.findIndex((delta) => delta?.tool_calls?.[0]?.function.name === "now");
    expect(named).toBeGreaterThan(0);
    // Nothing between the name and the end: the parser has no arguments to diff.
    expect(deltas.slice(named + 1, -1).every((delta) => delta === null)).toBe(true);
    // vLLM's closing case falls through when the call's arguments are falsy; the parse then finds none.
    expect(deltas.at(-1)).toEqual({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] });
  });

  it("a call whose name completes on the token before </tool_call> gets nothing more", () => {
    const stream = new HermesToolStream(() => "id");
    const deltas = run(stream, ["<tool_call>", '{"', "name", '":', ' "', "now", '"}', "</tool_call>"]);
    expect(deltas[6]?.tool_calls?.[0]?.function).toEqual({ name: "now" });
    // prev_tool_call_arr is still empty there (the name delta returns before it is filled): vLLM returns None.
    expect(deltas[7]).toBeNull();
    // Not auto_tools_called (no parse recorded), but tools_streamed: the choice still finishes "tool_calls".
    expect(stream.called).toBe(false);
    expect(stream.streamed).toBe(true);
  });
});

describe('"required"', () => {
  it("the first delta carries the name and the arguments so far; later ones name: null and the rest", () => {
    const stream = new RequiredToolStream(() => "id");
    const deltas = run(stream, ['[{"', 'name": "get_weather", "parameters": {"', "city", '": "', "Paris", '"}', "}]"]);
    expect(deltas[0]).toBeNull();
    expect(deltas[1]).toEqual({
      tool_calls: [{ id: "id", type: "function", index: 0, function: { name: "get_weather", arguments: '{"' } }],
    });
    expect(deltas[2]).toEqual({ tool_calls: [{ index: 0, function: { name: null, arguments: "city" } }] });
    // The list's closing "}]" is filtered out (_filter_delta_text): nothing to send.
    expect(deltas.at(-1)).toBeNull();
    const args = deltas.flatMap((delta) => delta?.tool_calls?.map((call) => call.function.arguments ?? "") ?? []);
    expect(JSON.parse(args.join(""))).toEqual({ city: "Paris" });
    expect(stream.streamed).toBe(true);
  });
});
