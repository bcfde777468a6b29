// The stepper's controls: first, back, play/pause, forward, last, a scrubber
// over all steps, the speed and the signal animation switch. It only reports
// what the user asked; the view owns the state.

import type { Strings } from "../i18n";
import { selectElement } from "./select";

export interface StepperActions {
  go(step: number): void;
  togglePlay(): void;
  setInterval(seconds: number): void;
  setAnimate(on: boolean): void;
}

export interface StepperState {
  step: number;
  steps: number;
  playing: boolean;
  interval: number;
  animate: boolean;
  label: string;
}

const SPEEDS: readonly [string, number][] = [
  ["0.5×", 1.6],
  ["1×", 0.8],
  ["2×", 0.4],
  ["4×", 0.2],
];

function button(text: string, title: string, action: string, onClick: () => void): HTMLButtonElement {
  const el = document.createElement("button");
  el.type = "button";
  el.textContent = text;
  el.title = title;
  el.setAttribute("aria-label", title);
  el.dataset.action = action;
  el.addEventListener("click", onClick);
  return el;
}

export class Stepper {
  readonly el: HTMLDivElement;
  private readonly play: HTMLButtonElement;
  private readonly scrubber: HTMLInputElement;
  private readonly speed: HTMLSelectElement;
  private readonly animate: HTMLInputElement;
  private readonly animateLabel: HTMLSpanElement;
  private readonly label: HTMLSpanElement;
  private state: StepperState = { step: 0, steps: 1, playing: false, interval: 0.8, animate: true, label: "" };

  constructor(parent: HTMLElement, private readonly actions: StepperActions) {
    this.el = document.createElement("div");
    this.el.className = "dlw-stepper";
    this.play = button("▶", "play", "play", () => actions.togglePlay());
    this.scrubber = document.createElement("input");
    this.scrubber.type = "range";
    this.scrubber.min = "0";
    this.scrubber.className = "dlw-scrubber";
    this.scrubber.addEventListener("input", () => actions.go(Number(this.scrubber.value)));
    this.speed = selectElement("dlw-speed", SPEEDS, (value) => actions.setInterval(Number(value)));
    const animateBox = document.createElement("label");
    animateBox.className = "dlw-animate";
    this.animate = document.createElement("input");
    this.animate.type = "checkbox";
    this.animate.addEventListener("change", () => actions.setAnimate(this.animate.checked));
    this.animateLabel = document.createElement("span");
    animateBox.append(this.animate, this.animateLabel);
    this.label = document.createElement("span");
    this.label.className = "dlw-step-label";
    this.label.setAttribute("aria-live", "polite");
    this.el.append(
      button("⇤", "first step", "first", () => actions.go(0)),
      button("‹", "step back", "back", () => actions.go(this.state.step - 1)),
      this.play,
      button("›", "step forward", "forward", () => actions.go(this.state.step + 1)),
      button("⇥", "last step", "last", () => actions.go(this.state.steps - 1)),
      this.scrubber,
      this.speed,
      animateBox,
      this.label,
    );
    parent.appendChild(this.el);
  }

  render(state: StepperState, t: Strings): void {
    this.state = state;
    const titles: Record<string, string> = {
      first: t.firstStep,
      back: t.stepBack,
      forward: t.stepForward,
      last: t.lastStep,
    };
    this.el.querySelectorAll<HTMLButtonElement>("button[data-action]").forEach((b) => {
      const title = titles[b.dataset.action ?? ""];
      if (title !== undefined) {
        b.title = title;
        b.setAttribute("aria-label", title);
      }
    });
    this.play.textContent = state.playing ? "❚❚" : "▶";
    this.play.title = state.playing ? t.pause : t.play;
    this.play.setAttribute("aria-label", this.play.title);
    this.scrubber.max = String(Math.max(0, state.steps - 1));
    this.scrubber.value = String(state.step);
    const nearest = SPEEDS.reduce((best, s) => (Math.abs(s[1] - state.interval) < Math.abs(best[1] - state.interval) ? s : best));
    this.speed.value = String(nearest[1]);
    this.animate.checked = state.animate;
    this.animateLabel.textContent = ` ${t.animate}`;
    this.label.textContent = state.label;
    this.el.dataset.step = String(state.step);
  }
}
