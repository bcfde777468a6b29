// The play button's clock and the stepper's keys, for any view with a stepper.
// The view owns the step; these only ask for the next one.

export class Player {
  private timer: number | null = null;
  private interval = 0;

  /** Tick every `seconds` while `playing` (a new speed takes effect at once). */
  sync(playing: boolean, seconds: number, tick: () => void): void {
    if (!playing) {
      this.stop();
      return;
    }
    const interval = Math.max(50, seconds * 1000);
    if (this.timer !== null && interval === this.interval) return;
    this.stop();
    this.interval = interval;
    this.timer = window.setInterval(tick, interval);
  }

  stop(): void {
    if (this.timer !== null) window.clearInterval(this.timer);
    this.timer = null;
  }
}

/** ← → Home End step, space plays: the action for a key, if it is one of them. */
export function stepperKey(
  key: string,
  step: number,
  steps: number,
  go: (step: number) => void,
  togglePlay: () => void,
): (() => void) | null {
  const actions: Record<string, () => void> = {
    ArrowRight: () => go(step + 1),
    ArrowLeft: () => go(step - 1),
    Home: () => go(0),
    End: () => go(steps - 1),
    " ": togglePlay,
  };
  return actions[key] ?? null;
}
