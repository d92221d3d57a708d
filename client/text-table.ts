/**
 * A plain-text table for a terminal: columns padded to their widest cell, two spaces apart, a rule under the header.
 * The last column is not padded (nothing follows it); with `lastColumnFree` its rule is only as wide as its header,
 * for a free-text column whose longest cell should not set the rule's width. `indent` starts every line (a table
 * under a heading).
 */
export function textTable(
  header: string[],
  body: string[][],
  { lastColumnFree = false, indent = '' } = {},
): string {
  const widths = header.map((h, i) =>
    lastColumnFree && i === header.length - 1
      ? h.length
      : Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)),
  );
  const fmt = (row: string[]) =>
    indent +
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}
