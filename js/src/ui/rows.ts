// Labelled numbers as the tooltip and the arithmetic panel show them. Each row
// carries data-key (and data-value: the full-precision number) so tests and
// screen readers can read a value without parsing the layout.

export interface Row {
  key: string;
  label: string;
  value: string;
  numeric?: number;
}

export function rowElements(rows: readonly Row[]): HTMLDivElement[] {
  return rows.map((row) => {
    const line = document.createElement("div");
    line.className = "dlw-row";
    line.dataset.key = row.key;
    if (row.numeric !== undefined) line.dataset.value = String(row.numeric);
    const label = document.createElement("span");
    label.className = "dlw-label";
    label.textContent = row.label;
    const value = document.createElement("span");
    value.className = "dlw-value";
    value.textContent = row.value;
    line.append(label, value);
    return line;
  });
}
