// Arrays from the kernel: {dtype, shape, data}. `data` is a DataView when it
// came as a binary frame (the normal case); a plain number list is accepted
// too, so the transport benchmark can compare against JSON lists.

export interface WireArray {
  dtype: string;
  shape: number[];
  data: DataView | ArrayBuffer | ArrayBufferView | number[];
}

export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor;

const ARRAY_TYPES: Record<string, TypedArrayConstructor> = {
  float32: Float32Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int8: Int8Array,
  uint8: Uint8Array,
};

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function bytesOf(data: DataView | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Decode to float32 for drawing: a view on the received bytes when aligned, else one copy. */
export function decodeFloat32(wire: WireArray): Float32Tensor {
  const Ctor = ARRAY_TYPES[wire.dtype];
  if (Ctor === undefined) throw new Error(`wire: unsupported dtype ${wire.dtype}`);
  const count = product(wire.shape);
  let data: Float32Array;
  if (Array.isArray(wire.data)) {
    data = Float32Array.from(wire.data);
  } else {
    const bytes = bytesOf(wire.data);
    const size = Ctor.BYTES_PER_ELEMENT;
    if (bytes.byteLength !== count * size) {
      throw new Error(
        `wire: ${wire.dtype}[${wire.shape.join(", ")}] needs ${count * size} bytes, got ${bytes.byteLength}`,
      );
    }
    const aligned = bytes.byteOffset % size === 0;
    const source = aligned
      ? new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count)
      : new Ctor(bytes.slice().buffer, 0, count);
    data = source instanceof Float32Array ? source : Float32Array.from(source);
  }
  if (data.length !== count) {
    throw new Error(`wire: shape [${wire.shape.join(", ")}] needs ${count} values, got ${data.length}`);
  }
  return { shape: wire.shape, data };
}
