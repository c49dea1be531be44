/**
 * A one-line progress bar redrawn in place (carriage return), for a terminal only: piped output
 * and CI logs get nothing, so they stay clean.
 */
export interface ProgressBar {
  update(done: number, total: number): void;
  /** Erase the line so the report starts on a clean one. */
  finish(): void;
}

const WIDTH = 30;

export function progressBar(write: (text: string) => void, label = "requests"): ProgressBar {
  let last = "";
  return {
    update(done, total) {
      const filled = total > 0 ? Math.round((done / total) * WIDTH) : WIDTH;
      const line = `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${done}/${total} ${label}`;
      if (line === last) return;
      last = line;
      write(`\r${line}`);
    },
    finish() {
      if (last !== "") write(`\r${" ".repeat(last.length)}\r`);
      last = "";
    },
  };
}
