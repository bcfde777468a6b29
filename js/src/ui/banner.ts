// The message shown in the view's own area when something failed, so a
// failure is never a blank box.

export class Banner {
  readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement("div");
    this.el.className = "dlw-error";
    this.el.setAttribute("role", "alert");
    this.el.hidden = true;
    parent.appendChild(this.el);
  }

  show(title: string, message: string): void {
    const heading = document.createElement("strong");
    heading.textContent = `${title}: `;
    const text = document.createElement("span");
    text.textContent = message;
    this.el.replaceChildren(heading, text);
    this.el.hidden = false;
  }

  hide(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
  }
}
