/** kubectl's table layout: cells padded to the column width, columns three spaces apart, last column unpadded. */
export function renderTable(headers: readonly string[] | undefined, rows: readonly string[][], gap = 3): string {
  const all = headers ? [headers as string[], ...rows] : [...rows];
  const widths: number[] = [];
  for (const row of all) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + gap)))
        .join("")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}
