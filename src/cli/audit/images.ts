/**
 * Pictures for image-model audits (Node): grey images, side-by-side strips and grids of them and of
 * attribution heatmaps (gn.audit.heatmapRGBA), written as PNG files by pngjs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PNG } from "pngjs";
import type { Tensor } from "../../core/tensor.js";
import type { RGBAImage } from "../../analysis/heatmap.js";

/** A grey image from an [H, W] tensor: `lo` is black and `hi` white (values outside are clamped). */
export function grayImage(t: Tensor, lo: number, hi: number, upscale: number): RGBAImage {
  const [h, w] = [t.shape[t.ndim - 2], t.shape[t.ndim - 1]];
  const v = t.toTypedArray();
  const W = w * upscale;
  const data = new Uint8ClampedArray(W * h * upscale * 4);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const g = Math.round(255 * Math.min(1, Math.max(0, (v[i * w + j] - lo) / span)));
      for (let di = 0; di < upscale; di++)
        for (let dj = 0; dj < upscale; dj++) {
          const p = ((i * upscale + di) * W + j * upscale + dj) * 4;
          data[p] = data[p + 1] = data[p + 2] = g;
          data[p + 3] = 255;
        }
    }
  return { width: W, height: h * upscale, data };
}

/** Images side by side (horizontal: true) or stacked, separated by `gap` white pixels, aligned top-left. */
export function joinImages(images: readonly RGBAImage[], horizontal: boolean, gap = 4): RGBAImage {
  const width = horizontal ? images.reduce((s, im) => s + im.width, 0) + gap * (images.length - 1) : Math.max(...images.map((im) => im.width));
  const height = horizontal ? Math.max(...images.map((im) => im.height)) : images.reduce((s, im) => s + im.height, 0) + gap * (images.length - 1);
  const data = new Uint8ClampedArray(width * height * 4).fill(255);
  let offset = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) {
      const src = im.data.subarray(y * im.width * 4, (y + 1) * im.width * 4);
      const [dx, dy] = horizontal ? [offset, y] : [0, offset + y];
      data.set(src, (dy * width + dx) * 4);
    }
    offset += (horizontal ? im.width : im.height) + gap;
  }
  return { width, height, data };
}

/**
 * A grid with one column per example and one row per kind of panel (`examples[i][k]`: example i's
 * k-th panel): wide rather than tall, so it reads well on a page.
 */
export function panelGrid(examples: readonly (readonly RGBAImage[])[]): RGBAImage {
  const kinds = examples[0].length;
  return joinImages(Array.from({ length: kinds }, (_, k) => joinImages(examples.map((e) => e[k]), true, 4)), false, 8);
}

/** Writes an RGBA image as a PNG file (creating the folder); returns the path. */
export function writePng(path: string, img: RGBAImage): string {
  mkdirSync(dirname(path), { recursive: true });
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  // RGB without alpha: every pixel is opaque, and the files are a quarter smaller.
  writeFileSync(path, PNG.sync.write(png, { colorType: 2 }));
  return path;
}
