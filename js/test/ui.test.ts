import { beforeEach, describe, expect, it } from "vitest";
import { strings } from "../src/i18n";
import { divergingGradient } from "../src/render/colors";
import { Banner } from "../src/ui/banner";
import { Legend } from "../src/ui/legend";
import { Tooltip } from "../src/ui/tooltip";

let parent: HTMLDivElement;
beforeEach(() => {
  document.body.replaceChildren();
  parent = document.createElement("div");
  document.body.appendChild(parent);
});

describe("Tooltip", () => {
  it("starts hidden, shows rows with data-key, hides again", () => {
    const tip = new Tooltip(parent);
    expect(tip.el.parentElement).toBe(parent);
    expect(tip.el.hidden).toBe(true);
    tip.show(
      "neuron 3",
      [
        { key: "a", label: "a", value: "0.5000" },
        { key: "bias", label: "bias b", value: "-1.250e-5" },
      ],
      100,
      40,
    );
    expect(tip.el.hidden).toBe(false);
    expect(tip.el.querySelector(".dlw-tooltip-title")?.textContent).toBe("neuron 3");
    const rows = tip.el.querySelectorAll<HTMLElement>(".dlw-row");
    expect([...rows].map((r) => r.dataset.key)).toEqual(["a", "bias"]);
    expect(tip.el.querySelector('[data-key="bias"] .dlw-label')?.textContent).toBe("bias b");
    expect(tip.el.querySelector('[data-key="bias"] .dlw-value')?.textContent).toBe("-1.250e-5");
    expect(tip.el.querySelector('[data-key="a"] .dlw-value')?.textContent).toBe("0.5000");
    expect(tip.el.style.left).toBe("114px");
    expect(tip.el.style.top).toBe("54px");

    tip.show("neuron 4", [{ key: "z", label: "z", value: "1" }], -50, -50);
    expect(tip.el.querySelectorAll(".dlw-row")).toHaveLength(1); // replaced, not appended
    expect(tip.el.style.left).toBe("4px");
    expect(tip.el.style.top).toBe("4px");

    tip.hide();
    expect(tip.el.hidden).toBe(true);
  });
});

describe("Banner", () => {
  it("shows a title and message, hides and empties", () => {
    const banner = new Banner(parent);
    expect(banner.el.hidden).toBe(true);
    expect(banner.el.getAttribute("role")).toBe("alert");
    banner.show("Error", "shape mismatch <b>");
    expect(banner.el.hidden).toBe(false);
    expect(banner.el.textContent).toBe("Error: shape mismatch <b>");
    expect(banner.el.querySelector("b")).toBeNull(); // text, not HTML
    banner.show("Lỗi", "again");
    expect(banner.el.textContent).toBe("Lỗi: again");
    banner.hide();
    expect(banner.el.hidden).toBe(true);
    expect(banner.el.childNodes).toHaveLength(0);
  });
});

describe("Legend", () => {
  it("shows the formatted value and weight ranges", () => {
    const legend = new Legend(parent);
    legend.update(strings("en"), 2.5, 0.123456);
    const text = (sel: string): string | null | undefined => legend.el.querySelector(sel)?.textContent;
    expect(text(".dlw-legend-min")).toBe("-2.5000");
    expect(text(".dlw-legend-max")).toBe("2.5000");
    expect(text(".dlw-legend-note")).toBe("|w| ≤ 0.1235");
    expect(legend.el.querySelector<HTMLElement>(".dlw-legend-scale")?.dataset.range).toBe("2.5");
    expect(legend.el.querySelector<HTMLElement>(".dlw-legend-bar")?.style.background).not.toBe("");
    expect(divergingGradient()).toContain("rgb(33,102,172)");

    legend.update(strings("vi"), 1e-6, 3);
    expect(legend.el.querySelectorAll(".dlw-legend-scale")).toHaveLength(1); // replaced
    expect(text(".dlw-legend-max")).toBe("1.000e-6");
    expect(text(".dlw-legend-min")).toBe("-1.000e-6");
    expect(text(".dlw-legend-scale .dlw-legend-title")).toBe("giá trị kích hoạt a");
    const edges = [...legend.el.querySelectorAll(".dlw-legend-edge")].map((e) => e.textContent);
    expect(edges).toEqual(["âm", "dương"]);
  });
});
