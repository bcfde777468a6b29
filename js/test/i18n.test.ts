import { describe, expect, it } from "vitest";
import { formatNumber, strings } from "../src/i18n";

describe("formatNumber", () => {
  it("shows 4 decimals as toFixed(4) rounds them", () => {
    expect(formatNumber(0.12345)).toBe("0.1235"); // 0.12345 is stored as 0.123450000000000004…
    expect(formatNumber(0.12345)).toBe((0.12345).toFixed(4));
    expect(formatNumber(1.00005)).toBe((1.00005).toFixed(4));
    expect(formatNumber(-2.5)).toBe("-2.5000");
    expect(formatNumber(0)).toBe("0.0000");
    expect(formatNumber(1e-4)).toBe("0.0001");
    expect(formatNumber(99999)).toBe("99999.0000");
  });

  it("switches to an exponent when tiny or huge", () => {
    expect(formatNumber(1e-6)).toBe("1.000e-6");
    expect(formatNumber(-3.21e-5)).toBe("-3.210e-5");
    expect(formatNumber(123456)).toBe("1.235e+5");
    expect(formatNumber(1e5)).toBe("1.000e+5");
  });

  it("writes non-finite values as they are", () => {
    expect(formatNumber(Number.NaN)).toBe("NaN");
    expect(formatNumber(Infinity)).toBe("Infinity");
    expect(formatNumber(-Infinity)).toBe("-Infinity");
  });
});

describe("strings", () => {
  it("has Vietnamese that differs from English", () => {
    const en = strings("en");
    const vi = strings("vi");
    expect(vi.neuron).toBe("nơ-ron");
    expect(en.neuron).toBe("neuron");
    expect(Object.keys(vi).sort()).toEqual(Object.keys(en).sort());
    const same = (Object.keys(en) as (keyof typeof en)[]).filter((k) => en[k] === vi[k]);
    expect(same).toEqual(["preActivation", "activationOut"]); // formulas are not translated
  });

  it("falls back to English for an unknown language", () => {
    expect(strings("fr")).toEqual(strings("en"));
    expect(strings("")).toBe(strings("en"));
  });
});
