// The LoRA adapters a pod serves, as vLLM 0.11's OpenAIServingModels keeps them: the static ones of
// --lora-modules, and those loaded at runtime through /v1/load_lora_adapter (registered only with
// VLLM_ALLOW_RUNTIME_LORA_UPDATING). The simulator has no weights to read: any path loads.
import { type OpenAiError, openAiError } from "../http/openai-errors.js";

export interface LoraAdapter {
  name: string;
  path: string;
  /** lora_int_id: a counter, from 1. */
  id: number;
  /** The base model it applies to (its ModelCard's parent). */
  baseModelName: string;
}

export class LoraAdapters {
  private readonly adapters: LoraAdapter[] = [];
  private nextId = 1;

  constructor(private readonly baseModelName: string) {}

  get all(): readonly LoraAdapter[] {
    return this.adapters;
  }

  has(name: string): boolean {
    return this.adapters.some((adapter) => adapter.name === name);
  }

  /** load_lora_adapter: the success text, or vLLM's error. */
  load(name: unknown, path: unknown): string | OpenAiError {
    if (typeof name !== "string" || name === "" || typeof path !== "string" || path === "") {
      return openAiError(400, "InvalidUserInput", "Both 'lora_name' and 'lora_path' must be provided.");
    }
    if (this.has(name)) {
      return openAiError(400, "InvalidUserInput", `The lora adapter '${name}' has already been loaded.`);
    }
    this.adapters.push({ name, path, id: this.nextId++, baseModelName: this.baseModelName });
    return `Success: LoRA adapter '${name}' added successfully.`;
  }

  /** unload_lora_adapter: the success text, or vLLM's error. */
  unload(name: unknown, intId: unknown): string | OpenAiError {
    if ((typeof name !== "string" || name === "") && !intId) {
      return openAiError(400, "InvalidUserInput", "either 'lora_name' and 'lora_int_id' needs to be provided.");
    }
    const at = this.adapters.findIndex((adapter) => adapter.name === name);
    if (at === -1) return openAiError(404, "NotFoundError", `The lora adapter '${String(name)}' cannot be found.`);
    this.adapters.splice(at, 1);
    return `Success: LoRA adapter '${String(name)}' removed successfully.`;
  }
}

/** --lora-modules entries: `name=path` (vLLM's LoRAParserAction also takes JSON objects). */
export function parseLoraModule(item: string): { name: string; path: string } | undefined {
  const trimmed = item.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed) as { name?: unknown; path?: unknown };
      if (typeof parsed.name === "string" && typeof parsed.path === "string")
        return { name: parsed.name, path: parsed.path };
    } catch {
      return undefined;
    }
    return undefined;
  }
  const at = trimmed.indexOf("=");
  if (at <= 0) return undefined;
  return { name: trimmed.slice(0, at), path: trimmed.slice(at + 1) };
}
