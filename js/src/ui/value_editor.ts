// A small box to type a new weight or bias, placed where the user clicked.

export class ValueEditor {
  readonly el: HTMLFormElement;
  private readonly label: HTMLSpanElement;
  private readonly input: HTMLInputElement;
  private onDone: ((value: number) => void) | null = null;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("form");
    this.el.className = "dlw-value-editor";
    this.el.hidden = true;
    this.label = document.createElement("span");
    this.input = document.createElement("input");
    this.input.type = "number";
    this.input.step = "any";
    this.el.append(this.label, this.input);
    this.el.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = Number(this.input.value);
      if (this.input.value.trim() !== "" && Number.isFinite(value)) this.onDone?.(value);
      this.close();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
      event.stopPropagation(); // arrows and space edit the number, not the stepper
    });
    parent.appendChild(this.el);
  }

  open(label: string, value: number, x: number, y: number, onDone: (value: number) => void): void {
    this.label.textContent = `${label} `;
    this.input.value = String(Number(value.toPrecision(6)));
    this.el.style.left = `${x + 10}px`;
    this.el.style.top = `${y + 10}px`;
    this.el.hidden = false;
    this.onDone = onDone;
    this.input.focus();
    this.input.select();
  }

  close(): void {
    this.el.hidden = true;
    this.onDone = null;
  }
}
