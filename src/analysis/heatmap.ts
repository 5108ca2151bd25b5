/**
 * Attribution maps as pictures: an [H, W] attribution becomes RGBA pixels (browser-safe; the Node-only
 * PNG writer is in ./png.ts, imported as "gradnav/audit/png"). Diverging maps show positive
 * attributions red, negative blue and zero white; sequential maps go black -> red -> yellow -> white
 * with |attribution|. NaN pixels are drawn mid-grey.
 */
import { ShapeError, ValueError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";

/** Options of `heatmapRGBA`. */
export interface HeatmapOptions {
  /** "diverging" (signed, red/white/blue) or "sequential" (|value|, black to white through red and yellow). Default: diverging when any value is negative. */
  colormap?: "diverging" | "sequential";
  /** The |value| shown at full colour (default: the `percentile` of |values|, so one extreme pixel does not wash out the rest). */
  scale?: number;
  /** Percentile of |values| used as the scale when `scale` is not given (default 99). */
  percentile?: number;
  /** A grey image of the same [H, W] to draw under the map (values are min-max normalised). */
  overlay?: Tensor;
  /** Opacity of the map over the overlay (default 0.6). */
  alpha?: number;
  /** Each pixel becomes a block of upscale x upscale pixels (default 1; e.g. 8 for 28 x 28 digits). */
  upscale?: number;
}

/** RGBA pixels, row-major, 4 bytes per pixel. */
export interface RGBAImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

function as2d(op: string, what: string, t: Tensor): [number, number] {
  const s = t.shape.filter((d, i) => !(d === 1 && t.ndim > 2 && (i === 0 || i === t.ndim - 1)));
  if (s.length !== 2) throw new ShapeError(`${op}: ${what} must be an [H, W] map (or [1, H, W] / [H, W, 1]), got ${fmtShape(t.shape)}`);
  return [s[0], s[1]];
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Black -> red -> yellow -> white for t in [0, 1]. */
function hot(t: number): [number, number, number] {
  return [Math.min(1, 3 * t), Math.min(1, Math.max(0, 3 * t - 1)), Math.min(1, Math.max(0, 3 * t - 2))];
}

/** Blue (-1) -> white (0) -> red (+1). */
function diverging(t: number): [number, number, number] {
  return t >= 0 ? [1, 1 - t, 1 - t] : [1 + t, 1 + t, 1];
}

/**
 * Colours an [H, W] attribution map as RGBA pixels (for a canvas, or `heatmapPng` in Node).
 * @example
 * const img = gn.audit.heatmapRGBA(gn.tensor([[1, -1], [0, 0.5]]));
 * img.width; // 2; img.data holds 2 * 2 * 4 bytes
 */
export function heatmapRGBA(attribution: Tensor, opts: HeatmapOptions = {}): RGBAImage {
  const op = "audit.heatmapRGBA";
  const [h, w] = as2d(op, "the attribution", attribution);
  const v = attribution.toTypedArray();
  const finite = Array.from(v).filter((x) => Number.isFinite(x));
  const colormap = opts.colormap ?? (finite.some((x) => x < 0) ? "diverging" : "sequential");
  if (colormap !== "diverging" && colormap !== "sequential") throw new ValueError(`${op}: colormap must be "diverging" or "sequential", got ${JSON.stringify(colormap)}`);
  const pct = opts.percentile ?? 99;
  if (!(pct > 0 && pct <= 100)) throw new ValueError(`${op}: percentile must be in (0, 100], got ${pct}`);
  let scale = opts.scale ?? quantile(finite.map(Math.abs), pct / 100);
  if (!(scale > 0) || !Number.isFinite(scale)) scale = 1;
  const up = opts.upscale ?? 1;
  if (!Number.isInteger(up) || up < 1) throw new ValueError(`${op}: upscale must be an integer >= 1, got ${up}`);
  const alpha = opts.alpha ?? 0.6;
  let base: ArrayLike<number> | null = null;
  if (opts.overlay) {
    const [oh, ow] = as2d(op, "the overlay", opts.overlay);
    if (oh !== h || ow !== w) throw new ShapeError(`${op}: the overlay is ${oh} x ${ow} but the attribution is ${h} x ${w}`);
    const o = opts.overlay.toTypedArray();
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of o) if (Number.isFinite(x)) [lo, hi] = [Math.min(lo, x), Math.max(hi, x)];
    base = Array.from(o, (x) => (hi > lo ? (x - lo) / (hi - lo) : 0));
  }
  const W = w * up;
  const data = new Uint8ClampedArray(W * h * up * 4);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const x = v[i * w + j];
      let rgb: [number, number, number];
      if (Number.isNaN(x)) rgb = [0.5, 0.5, 0.5];
      else if (colormap === "diverging") rgb = diverging(Math.max(-1, Math.min(1, x / scale)));
      else rgb = hot(Math.min(1, Math.abs(x) / scale));
      if (base) {
        const g = base[i * w + j];
        rgb = rgb.map((c) => alpha * c + (1 - alpha) * g) as [number, number, number];
      }
      for (let di = 0; di < up; di++)
        for (let dj = 0; dj < up; dj++) {
          const p = ((i * up + di) * W + j * up + dj) * 4;
          data[p] = Math.round(rgb[0] * 255);
          data[p + 1] = Math.round(rgb[1] * 255);
          data[p + 2] = Math.round(rgb[2] * 255);
          data[p + 3] = 255;
        }
    }
  return { width: W, height: h * up, data };
}
