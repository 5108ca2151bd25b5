/**
 * Node-only: attribution maps written as PNG files (encoded by pngjs). Import it as
 * `import { heatmapPng, writeHeatmapPng } from "gradnav/audit/png"`; it is not part of the core
 * import, which stays browser-safe.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { PNG } from "pngjs";
import { ShapeError, fmtShape } from "../core/errors.js";
import type { Tensor } from "../core/tensor.js";
import { type HeatmapOptions, heatmapRGBA } from "./heatmap.js";

/**
 * Encodes an [H, W] attribution map as PNG bytes (colours as `heatmapRGBA`).
 * @example
 * import { heatmapPng } from "gradnav/audit/png";
 * const bytes = heatmapPng(gn.tensor([[1, -1], [0, 0.5]]), { upscale: 16 });
 */
export function heatmapPng(attribution: Tensor, opts: HeatmapOptions = {}): Buffer {
  const img = heatmapRGBA(attribution, opts);
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: 6 });
}

/**
 * Writes an [H, W] attribution map to a PNG file (creating the folder). Returns the path.
 * @example
 * import { writeHeatmapPng } from "gradnav/audit/png";
 * writeHeatmapPng("out/saliency.png", gn.audit.saliency(model, x).reshape([28, 28]), { upscale: 8 });
 */
export function writeHeatmapPng(path: string, attribution: Tensor, opts: HeatmapOptions = {}): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, heatmapPng(attribution, opts));
  return path;
}

/**
 * Writes one PNG per sample of a batch of maps [N, H, W] (or [N, 1, H, W]) as `${prefix}${i}.png` in
 * `dir`, each with its own colour scale unless `scale` is given; `overlays` ([N, H, W]) are drawn under
 * the maps. Returns the paths.
 * @example
 * import { writeHeatmapPngs } from "gradnav/audit/png";
 * writeHeatmapPngs("out", attributions.reshape([-1, 28, 28]), { prefix: "ig-", upscale: 8 });
 */
export function writeHeatmapPngs(dir: string, attributions: Tensor, opts: HeatmapOptions & { prefix?: string; overlays?: Tensor } = {}): string[] {
  const shape = attributions.shape;
  const squeezed = shape.length === 4 && shape[1] === 1 ? [shape[0], shape[2], shape[3]] : shape;
  if (squeezed.length !== 3) throw new ShapeError(`audit.writeHeatmapPngs: needs maps of shape [N, H, W], got ${fmtShape(shape)}`);
  const [n, h, w] = squeezed;
  const maps = attributions.reshape([n, h, w]);
  const overlays = opts.overlays?.reshape([n, h, w]);
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const pick = (t: Tensor) => t.slice([i, 0, 0], [i + 1, h, w]).reshape([h, w]);
    paths.push(writeHeatmapPng(join(dir, `${opts.prefix ?? "map-"}${i}.png`), pick(maps), { ...opts, overlay: overlays ? pick(overlays) : opts.overlay }));
  }
  return paths;
}
