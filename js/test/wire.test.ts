import { describe, expect, it } from "vitest";
import { decodeFloat32 } from "../src/wire";

/** A DataView at `offset` inside a larger buffer, with junk bytes around it. */
function floatsAt(values: number[], offset: number): { view: DataView; buffer: ArrayBuffer } {
  const buffer = new ArrayBuffer(offset + values.length * 4 + 3);
  new Uint8Array(buffer).fill(0xab);
  const view = new DataView(buffer, offset, values.length * 4);
  values.forEach((v, k) => view.setFloat32(k * 4, v, true));
  return { view, buffer };
}

describe("decodeFloat32", () => {
  const values = [1.5, -2.25, 0.1, 3e7, -0, 42];

  it("decodes float32 from an aligned DataView as a view on the same bytes", () => {
    const { view, buffer } = floatsAt(values, 8);
    const t = decodeFloat32({ dtype: "float32", shape: [2, 3], data: view });
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual(values.map(Math.fround));
    expect(t.data.buffer).toBe(buffer);
    expect(t.data.byteOffset).toBe(8);
  });

  it("decodes float32 from an unaligned DataView into a larger buffer (copying)", () => {
    const { view, buffer } = floatsAt(values, 5);
    const t = decodeFloat32({ dtype: "float32", shape: [3, 2], data: view });
    expect(Array.from(t.data)).toEqual(values.map(Math.fround));
    expect(t.data.length).toBe(6);
    expect(t.data.buffer).not.toBe(buffer);
  });

  it("converts int32 to float32 values", () => {
    const src = Int32Array.from([-3, 0, 7, 2147483647]);
    const t = decodeFloat32({ dtype: "int32", shape: [4], data: new DataView(src.buffer) });
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([-3, 0, 7, Math.fround(2147483647)]);
  });

  it("converts uint8 to float32 values, also at an odd offset", () => {
    const buffer = new Uint8Array([9, 0, 255, 7, 128, 9]).buffer;
    const t = decodeFloat32({ dtype: "uint8", shape: [2, 2], data: new DataView(buffer, 1, 4) });
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([0, 255, 7, 128]);
  });

  it("accepts a plain number list (JSON path)", () => {
    const t = decodeFloat32({ dtype: "float32", shape: [3], data: [0.1, -1, 2.5] });
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data)).toEqual([Math.fround(0.1), -1, 2.5]);
  });

  it("rejects a number list of the wrong length", () => {
    expect(() => decodeFloat32({ dtype: "float32", shape: [2, 2], data: [1, 2, 3] })).toThrow(
      /\[2, 2\] needs 4 values, got 3/,
    );
  });

  it("rejects a wrong byte length, naming dtype and shape", () => {
    const { view } = floatsAt([1, 2, 3, 4, 5], 0);
    expect(() => decodeFloat32({ dtype: "float32", shape: [2, 3], data: view })).toThrow(
      "wire: float32[2, 3] needs 24 bytes, got 20",
    );
    expect(() => decodeFloat32({ dtype: "int16", shape: [3], data: new ArrayBuffer(4) })).toThrow(
      /int16\[3\] needs 6 bytes, got 4/,
    );
  });

  it("rejects an unknown dtype", () => {
    expect(() => decodeFloat32({ dtype: "float64", shape: [1], data: new ArrayBuffer(8) })).toThrow(
      /unsupported dtype float64/,
    );
    expect(() => decodeFloat32({ dtype: "complex", shape: [1], data: [1] })).toThrow(/unsupported dtype complex/);
  });
});
