// The dense edge layer through WebGL2: each edge one instance of a quad, one
// draw call per style bucket, so a GPU draws 235,000 edges in a few
// milliseconds. The same batches as the Canvas 2D path; where edges of one
// bucket cross, quads add up where one stroked path would not, so dense bands
// look a little darker than through Canvas 2D.

import type { EdgeBatch } from "./network_painter";

const VERTEX = `#version 300 es
in vec4 segment;          // per edge: x1, y1, x2, y2 in layout pixels
in vec2 corner;           // per vertex: along the edge (0 or 1), side (-1 or 1)
uniform vec3 transform;   // device pixels = layout * scale + (tx, ty)
uniform vec2 size;        // the canvas in device pixels
uniform float halfWidth;  // device pixels
void main() {
  vec2 a = segment.xy * transform.x + transform.yz;
  vec2 b = segment.zw * transform.x + transform.yz;
  vec2 d = b - a;
  float len = length(d);
  vec2 normal = len > 0.0 ? vec2(-d.y, d.x) / len : vec2(0.0, 1.0);
  vec2 p = mix(a, b, corner.x) + normal * corner.y * halfWidth;
  vec2 clip = p / size * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
}`;

const FRAGMENT = `#version 300 es
precision mediump float;
uniform vec4 color;  // premultiplied by alpha
out vec4 outColor;
void main() { outColor = color; }`;

/** Renderer strings of software rasterisers, where Canvas 2D is the faster path. */
const SOFTWARE = /swiftshader|llvmpipe|softpipe|software|basic render/i;

function compile(gl: WebGL2RenderingContext, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type)!;
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) {
    throw new Error(`webgl: shader did not compile: ${gl.getShaderInfoLog(shader) ?? ""}`);
  }
  return shader;
}

export class WebglEdges {
  /** The GPU's name as the browser gives it (for benchmarks and the backend choice). */
  readonly renderer: string;
  private readonly program: WebGLProgram;
  private readonly segments: WebGLBuffer;
  private readonly vao: WebGLVertexArrayObject;
  private readonly segmentLoc: number;
  private readonly uniforms: Record<"transform" | "size" | "halfWidth" | "color", WebGLUniformLocation | null>;

  /** A renderer on `canvas`, or null when the browser gives no WebGL2. */
  static create(canvas: HTMLCanvasElement): WebglEdges | null {
    // The layer is composed into the view in later frames: keep what was drawn.
    const gl = canvas.getContext("webgl2", { antialias: true, preserveDrawingBuffer: true, premultipliedAlpha: true });
    if (gl === null) return null;
    try {
      return new WebglEdges(gl);
    } catch {
      return null;
    }
  }

  private constructor(private readonly gl: WebGL2RenderingContext) {
    const program = gl.createProgram()!;
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) {
      throw new Error(`webgl: program did not link: ${gl.getProgramInfoLog(program) ?? ""}`);
    }
    this.program = program;
    this.vao = gl.createVertexArray()!;
    gl.bindVertexArray(this.vao);
    const corners = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, corners);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, -1, 0, 1, 1, -1, 1, 1]), gl.STATIC_DRAW);
    const cornerLoc = gl.getAttribLocation(program, "corner");
    gl.enableVertexAttribArray(cornerLoc);
    gl.vertexAttribPointer(cornerLoc, 2, gl.FLOAT, false, 0, 0);
    this.segments = gl.createBuffer()!;
    this.segmentLoc = gl.getAttribLocation(program, "segment");
    gl.enableVertexAttribArray(this.segmentLoc);
    gl.vertexAttribDivisor(this.segmentLoc, 1);
    gl.bindVertexArray(null);
    this.uniforms = {
      transform: gl.getUniformLocation(program, "transform"),
      size: gl.getUniformLocation(program, "size"),
      halfWidth: gl.getUniformLocation(program, "halfWidth"),
      color: gl.getUniformLocation(program, "color"),
    };
    // Browsers mask RENDERER ("WebKit WebGL"); the real name says whether it is software.
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    this.renderer = String(gl.getParameter(info === null ? gl.RENDERER : info.UNMASKED_RENDERER_WEBGL) ?? "");
  }

  get software(): boolean {
    return SOFTWARE.test(this.renderer);
  }

  get lost(): boolean {
    return this.gl.isContextLost();
  }

  /** Whether the browser gave the whole canvas a drawing buffer (it caps it on wide layouts). */
  get complete(): boolean {
    return this.gl.drawingBufferWidth >= this.gl.canvas.width && this.gl.drawingBufferHeight >= this.gl.canvas.height;
  }

  /** Give the context back: browsers keep only a few alive. */
  release(): void {
    this.gl.getExtension("WEBGL_lose_context")?.loseContext();
  }

  /**
   * Clear the canvas and draw the batches under `scale`, `tx`, `ty` (layout →
   * device pixels, as Canvas 2D's setTransform). Returns how many edges were drawn.
   */
  draw(batches: EdgeBatch[], scale: number, tx: number, ty: number): number {
    const gl = this.gl;
    const width = gl.drawingBufferWidth;
    const height = gl.drawingBufferHeight;
    gl.viewport(0, 0, width, height);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const total = batches.reduce((n, b) => n + b.segments.length, 0);
    if (total === 0) return 0;
    const all = new Float32Array(total);
    let offset = 0;
    for (const batch of batches) {
      all.set(batch.segments, offset);
      offset += batch.segments.length;
    }
    gl.useProgram(this.program);
    gl.bindVertexArray(this.vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.segments);
    gl.bufferData(gl.ARRAY_BUFFER, all, gl.DYNAMIC_DRAW);
    gl.uniform3f(this.uniforms.transform, scale, tx, ty);
    gl.uniform2f(this.uniforms.size, width, height);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    offset = 0;
    for (const { style, segments } of batches) {
      const device = style.width * scale;
      // Lines thinner than a pixel keep their coverage as transparency.
      const alpha = style.alpha * Math.min(1, device);
      const [r, g, b] = style.rgb;
      gl.uniform1f(this.uniforms.halfWidth, Math.max(1, device) / 2);
      gl.uniform4f(this.uniforms.color, (r / 255) * alpha, (g / 255) * alpha, (b / 255) * alpha, alpha);
      gl.vertexAttribPointer(this.segmentLoc, 4, gl.FLOAT, false, 0, offset * 4);
      gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, segments.length / 4);
      offset += segments.length;
    }
    gl.bindVertexArray(null);
    return total / 4;
  }
}
