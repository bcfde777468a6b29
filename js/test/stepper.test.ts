import { beforeEach, describe, expect, it } from "vitest";
import { strings } from "../src/i18n";
import { Stepper, type StepperActions, type StepperState } from "../src/ui/stepper";

type Call = ["go", number] | ["togglePlay"] | ["setInterval", number] | ["setAnimate", boolean];

let parent: HTMLDivElement;
let calls: Call[];
let stepper: Stepper;
const actions: StepperActions = {
  go: (step) => calls.push(["go", step]),
  togglePlay: () => calls.push(["togglePlay"]),
  setInterval: (seconds) => calls.push(["setInterval", seconds]),
  setAnimate: (on) => calls.push(["setAnimate", on]),
};
const en = strings("en");
const STATE: StepperState = { step: 3, steps: 8, playing: false, interval: 0.8, animate: true, label: "step 4 of 8 · forward" };

beforeEach(() => {
  document.body.replaceChildren();
  parent = document.createElement("div");
  document.body.appendChild(parent);
  calls = [];
  stepper = new Stepper(parent, actions);
});

const $ = <T extends Element>(selector: string): T => {
  const el = stepper.el.querySelector<T>(selector);
  expect(el, selector).not.toBeNull();
  return el!;
};
const scrubber = (): HTMLInputElement => $<HTMLInputElement>(".dlw-scrubber");
const play = (): HTMLButtonElement => $<HTMLButtonElement>('[data-action="play"]');

describe("Stepper", () => {
  it("renders the scrubber range, the label and the step", () => {
    expect(stepper.el.parentElement).toBe(parent);
    stepper.render(STATE, en);
    expect(scrubber().min).toBe("0");
    expect(scrubber().max).toBe("7");
    expect(scrubber().value).toBe("3");
    expect($(".dlw-step-label").textContent).toBe("step 4 of 8 · forward");
    expect(stepper.el.dataset.step).toBe("3");
    expect($(".dlw-animate span").textContent).toBe(` ${en.animate}`);
    stepper.render({ ...STATE, step: 0, steps: 1, label: "only" }, en);
    expect(scrubber().max).toBe("0");
    expect(scrubber().value).toBe("0");
    expect($(".dlw-step-label").textContent).toBe("only");
  });

  it("toggles the play button between ▶ and ❚❚", () => {
    stepper.render(STATE, en);
    expect(play().textContent).toBe("▶");
    expect(play().title).toBe(en.play);
    stepper.render({ ...STATE, playing: true }, en);
    expect(play().textContent).toBe("❚❚");
    expect(play().title).toBe(en.pause);
    stepper.render({ ...STATE, playing: false }, strings("vi"));
    expect(play().textContent).toBe("▶");
    expect(play().title).toBe(strings("vi").play);
  });

  it("buttons ask for the first, previous, next and last step, and play", () => {
    stepper.render(STATE, en);
    for (const action of ["first", "back", "forward", "last", "play"]) $<HTMLButtonElement>(`[data-action="${action}"]`).click();
    expect(calls).toEqual([["go", 0], ["go", 2], ["go", 4], ["go", 7], ["togglePlay"]]);
  });

  it("back and forward follow the last rendered step", () => {
    stepper.render({ ...STATE, step: 6 }, en);
    $<HTMLButtonElement>('[data-action="forward"]').click();
    stepper.render({ ...STATE, step: 1, steps: 4 }, en);
    $<HTMLButtonElement>('[data-action="back"]').click();
    $<HTMLButtonElement>('[data-action="last"]').click();
    expect(calls).toEqual([["go", 7], ["go", 0], ["go", 3]]);
  });

  it("the scrubber asks for the step it is moved to", () => {
    stepper.render(STATE, en);
    scrubber().value = "5";
    scrubber().dispatchEvent(new Event("input", { bubbles: true }));
    expect(calls).toEqual([["go", 5]]);
  });

  it("the speed select sets the interval of the chosen option", () => {
    stepper.render(STATE, en);
    const speed = $<HTMLSelectElement>(".dlw-speed");
    const options = [...speed.options].map((o) => Number(o.value));
    expect(options).toEqual([1.6, 0.8, 0.4, 0.2]);
    expect(speed.value).toBe("0.8");
    for (const value of ["0.4", "1.6"]) {
      speed.value = value;
      speed.dispatchEvent(new Event("change", { bubbles: true }));
    }
    expect(calls).toEqual([["setInterval", 0.4], ["setInterval", 1.6]]);
  });

  it("selects the speed nearest the state's interval", () => {
    stepper.render({ ...STATE, interval: 0.35 }, en);
    expect($<HTMLSelectElement>(".dlw-speed").value).toBe("0.4");
    stepper.render({ ...STATE, interval: 5 }, en);
    expect($<HTMLSelectElement>(".dlw-speed").value).toBe("1.6");
  });

  it("the checkbox switches the signal animation", () => {
    stepper.render(STATE, en);
    const box = $<HTMLInputElement>('.dlw-animate input[type="checkbox"]');
    expect(box.checked).toBe(true);
    box.click();
    box.click();
    expect(calls).toEqual([["setAnimate", false], ["setAnimate", true]]);
    stepper.render({ ...STATE, animate: false }, en);
    expect(box.checked).toBe(false);
  });
});
