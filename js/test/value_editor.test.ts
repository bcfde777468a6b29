import { beforeEach, describe, expect, it } from "vitest";
import { ValueEditor } from "../src/ui/value_editor";

let parent: HTMLDivElement;
let editor: ValueEditor;
let done: number[];
const onDone = (value: number): void => {
  done.push(value);
};

beforeEach(() => {
  document.body.replaceChildren();
  parent = document.createElement("div");
  document.body.appendChild(parent);
  editor = new ValueEditor(parent);
  done = [];
});

const input = (): HTMLInputElement => editor.el.querySelector("input")!;
const submit = (): void => {
  editor.el.dispatchEvent(new Event("submit", { bubbles: true, cancelable: true }));
};

describe("ValueEditor", () => {
  it("starts hidden; open() shows the label and the value where asked", () => {
    expect(editor.el.parentElement).toBe(parent);
    expect(editor.el.hidden).toBe(true);
    editor.open("new weight", 0.123456789, 30, 40, onDone);
    expect(editor.el.hidden).toBe(false);
    expect(input().value).toBe("0.123457");
    expect(editor.el.querySelector("span")?.textContent).toBe("new weight ");
    expect(editor.el.style.left).toBe("40px");
    expect(editor.el.style.top).toBe("50px");
    expect(document.activeElement).toBe(input());
  });

  it("submitting calls back with the typed number and hides", () => {
    editor.open("new bias", 1, 0, 0, onDone);
    input().value = "-2.5";
    submit();
    expect(done).toEqual([-2.5]);
    expect(editor.el.hidden).toBe(true);
    submit(); // closed: nothing more
    expect(done).toEqual([-2.5]);
  });

  it("the form's submit is not left to the browser", () => {
    editor.open("w", 1, 0, 0, onDone);
    const event = new Event("submit", { bubbles: true, cancelable: true });
    editor.el.dispatchEvent(event);
    expect(event.defaultPrevented).toBe(true);
  });

  it("Escape hides without calling back, and keys stay in the box", () => {
    let reachedParent = 0;
    parent.addEventListener("keydown", () => reachedParent++);
    editor.open("w", 1, 0, 0, onDone);
    input().value = "3";
    input().dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }));
    expect(editor.el.hidden).toBe(false);
    input().dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(editor.el.hidden).toBe(true);
    expect(reachedParent).toBe(0);
    submit();
    expect(done).toEqual([]);
  });

  it("empty or non-numeric input does not call back", () => {
    for (const text of ["", "  ", "abc"]) {
      editor.open("w", 1, 0, 0, onDone);
      input().value = text;
      submit();
      expect(editor.el.hidden).toBe(true);
    }
    // A number input already turns "abc" into ""; as text it reaches the Number.isFinite guard.
    input().type = "text";
    for (const text of ["abc", "1e999", "NaN"]) {
      editor.open("w", 1, 0, 0, onDone);
      input().value = text;
      submit();
      expect(editor.el.hidden).toBe(true);
    }
    expect(done).toEqual([]);
  });

  it("a second open() replaces the callback", () => {
    const first: number[] = [];
    editor.open("w", 1, 0, 0, (v) => first.push(v));
    editor.open("b", 2, 0, 0, onDone);
    input().value = "7";
    submit();
    expect(first).toEqual([]);
    expect(done).toEqual([7]);
  });
});
