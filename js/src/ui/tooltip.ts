// A floating box of labelled numbers. Each row carries data-key so tests and
// screen readers can find a value without parsing the layout.

export interface TooltipRow {
  key: string;
  label: string;
  value: string;
}

export class Tooltip {
  readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "dlw-tooltip";
    this.el.setAttribute("role", "tooltip");
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  show(title: string, rows: TooltipRow[], x: number, y: number): void {
    const heading = document.createElement("div");
    heading.className = "dlw-tooltip-title";
    heading.textContent = title;
    const lines = rows.map((row) => {
      const line = document.createElement("div");
      line.className = "dlw-tooltip-row";
      line.dataset.key = row.key;
      const label = document.createElement("span");
      label.className = "dlw-label";
      label.textContent = row.label;
      const value = document.createElement("span");
      value.className = "dlw-value";
      value.textContent = row.value;
      line.append(label, value);
      return line;
    });
    this.el.replaceChildren(heading, ...lines);
    this.el.hidden = false;
    const parent = this.el.offsetParent as HTMLElement | null;
    const maxX = (parent?.clientWidth ?? Infinity) - this.el.offsetWidth - 4;
    this.el.style.left = `${Math.max(4, Math.min(x + 14, maxX))}px`;
    this.el.style.top = `${Math.max(4, y + 14)}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
