// The downstream client leaving before its response is complete: the one cancellation every
// request carries to the upstream side. An AbortController is an EventTarget, costly to make and
// to listen on for each request; this holds a flag and at most a few listeners.

/** What the upstream side reads of a cancellation (an AbortSignal has this shape too). */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Set once when the client leaves; each listener then runs once, as `{ once: true }` listeners do. */
export class ClientGone implements CancelSignal {
  aborted = false;
  private listeners: Array<() => void> = [];

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener();
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const index = this.listeners.indexOf(listener);
    if (index >= 0) this.listeners.splice(index, 1);
  }
}
