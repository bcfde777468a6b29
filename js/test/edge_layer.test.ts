import { afterEach, describe, expect, it, vi } from "vitest";
import { EdgeLayer } from "../src/render/edge_layer";
import { WebglEdges } from "../src/render/webgl_edges";

function fakeGl(software: boolean): WebglEdges {
  const renderer = software ? "SwiftShader" : "NVIDIA H100";
  return { software, lost: false, complete: true, renderer, release: vi.fn() } as unknown as WebglEdges;
}

describe("EdgeLayer.choose", () => {
  afterEach(() => vi.restoreAllMocks());

  it("falls back to Canvas 2D when the browser gives no WebGL2", () => {
    vi.spyOn(WebglEdges, "create").mockReturnValue(null);
    const layer = new EdgeLayer();
    layer.choose("webgl");
    expect(layer.backend).toBe("canvas");
  });

  it("auto: WebGL2 on a GPU, Canvas 2D on a software rasteriser; a forced choice is kept", () => {
    vi.spyOn(WebglEdges, "create").mockReturnValue(fakeGl(false));
    const gpu = new EdgeLayer();
    expect(gpu.choose("auto")).toBe(true); // changed: repaint
    expect(gpu.backend).toBe("webgl");
    expect(gpu.choose("auto")).toBe(false); // nothing changed
    expect(gpu.choose("canvas")).toBe(true);
    expect(gpu.backend).toBe("canvas");

    const slow = fakeGl(true);
    vi.spyOn(WebglEdges, "create").mockReturnValue(slow);
    const software = new EdgeLayer();
    software.choose("auto");
    expect(software.backend).toBe("canvas");
    expect(slow.release).toHaveBeenCalled(); // asked and not used: the context is given back
    software.choose("webgl");
    expect(software.backend).toBe("webgl");
    expect(software.renderer).toBe("SwiftShader");
  });
});
