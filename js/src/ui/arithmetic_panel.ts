// The panel under the drawing that writes out the current step's arithmetic.

import type { Arithmetic } from "../scene/arithmetic";
import { rowElements } from "./rows";

export class ArithmeticPanel {
  readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "dlw-arithmetic";
    this.el.setAttribute("aria-live", "polite");
    parent.appendChild(this.el);
  }

  show(content: Arithmetic | null, note: string): void {
    if (content === null) {
      this.el.hidden = true;
      return;
    }
    const heading = document.createElement("div");
    heading.className = "dlw-arithmetic-title";
    heading.textContent = note ? `${content.title} (${note})` : content.title;
    this.el.replaceChildren(heading, ...rowElements(content.rows));
    this.el.hidden = false;
  }
}
