// A floating box of labelled numbers.

import { rowElements, type Row } from "./rows";

export type TooltipRow = Row;

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
    this.el.replaceChildren(heading, ...rowElements(rows));
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
