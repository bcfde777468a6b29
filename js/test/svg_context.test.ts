import { describe, expect, it } from "vitest";
import { paintBlocks, paintEdges, paintNeurons } from "../src/render/network_painter";
import { SvgContext } from "../src/render/svg_context";
import { layoutNetwork } from "../src/scene/layout";
import { network } from "./fixtures";

function parse(svg: string): Document {
  const doc = new DOMParser().parseFromString(svg, "image/svg+xml");
  expect(doc.getElementsByTagName("parsererror")).toHaveLength(0);
  return doc;
}

describe("SvgContext", () => {
  it("writes the painters' neurons as circles and edges as paths", () => {
    const units = [4, 8, 3];
    const data = network(units);
    const layout = layoutNetwork(units, 760, 400);
    const svg = new SvgContext();
    paintEdges(svg, layout, data, 2);
    paintNeurons(svg, layout, data, 0, 2);
    const doc = parse(svg.toSvg(760, 400));
    const root = doc.documentElement;
    expect(root.getAttribute("width")).toBe("760");
    // each neuron is filled then stroked: two circles per neuron
    expect(doc.getElementsByTagName("circle")).toHaveLength(2 * 15);
    const segments = Array.from(doc.getElementsByTagName("path")).reduce(
      (n, p) => n + (p.getAttribute("d")!.match(/M/g)?.length ?? 0),
      0,
    );
    expect(segments).toBe(4 * 8 + 8 * 3);
  });

  it("escapes text and draws blocks as rectangles with their labels", () => {
    const data = network([4, 0, 3]);
    const svg = new SvgContext();
    paintBlocks(svg, layoutNetwork([4, 0, 3], 760, 400), data, 2);
    svg.fillText("a < b & c", 10, 10);
    const doc = parse(svg.toSvg(760, 400));
    const texts = Array.from(doc.getElementsByTagName("text"), (t) => t.textContent);
    expect(texts).toEqual(["Conv2d", "4×6×6", "ReLU", "a < b & c"]);
    expect(doc.getElementsByTagName("rect").length).toBeGreaterThanOrEqual(3); // background + box
  });
});
