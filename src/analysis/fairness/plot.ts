/**
 * The front as an SVG chart: a fairness gap on x, accuracy on y, one point per bound (labelled with
 * its ε), training points filled and test points hollow, joined in sweep order. Plain strings, no
 * DOM, so it runs anywhere; write the string to a .svg file and open it in a browser.
 */
import { ValueError } from "../../core/errors.js";
import type { FairnessFront, FrontPoint, PointMetrics } from "./front.js";

/** The gap on the x axis. */
export type FrontAxis = "demographicParityDifference" | "equalizedOddsDifference" | "equalOpportunityDifference";

/** Options of `frontSvg`. */
export interface FrontSvgOptions {
  /** Default: the gap the front constrained (demographic parity, equalized odds or equal opportunity). */
  x?: FrontAxis;
  width?: number;
  height?: number;
  title?: string;
}

const AXIS_LABEL: Record<FrontAxis, string> = {
  demographicParityDifference: "demographic-parity difference",
  equalizedOddsDifference: "equalized-odds difference",
  equalOpportunityDifference: "equal-opportunity difference",
};

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function niceTicks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function fmt(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

/**
 * Draws a fairness front (see the module notes) and returns the SVG document as a string. Each
 * point is a <circle> with class "train" or "test", data-bound and data-x / data-y attributes and a
 * <title> tooltip listing its metrics and multipliers.
 * @example
 * const svg = gn.fairness.frontSvg(front);
 * // Node: fs.writeFileSync("front.svg", svg)
 */
export function frontSvg(front: FairnessFront, opts: FrontSvgOptions = {}): string {
  if (front.points.length === 0) throw new ValueError("fairness.frontSvg: the front has no points");
  const xKey: FrontAxis =
    opts.x ?? (front.kind === "equalized_odds" ? "equalizedOddsDifference" : front.kind === "equal_opportunity" ? "equalOpportunityDifference" : "demographicParityDifference");
  const width = opts.width ?? 720;
  const height = opts.height ?? 480;
  const m = { left: 70, right: 150, top: 50, bottom: 60 };
  const series: { name: "train" | "test"; pts: { p: FrontPoint; v: PointMetrics }[] }[] = [{ name: "train", pts: front.points.map((p) => ({ p, v: p.train })) }];
  if (front.points.some((p) => p.test)) series.push({ name: "test", pts: front.points.filter((p) => p.test).map((p) => ({ p, v: p.test! })) });
  const all = series.flatMap((s) => s.pts.map(({ v }) => [v[xKey], v.accuracy])).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (all.length === 0) throw new ValueError("fairness.frontSvg: no point has finite metrics to draw");
  let [x0, x1] = [Math.min(0, ...all.map((a) => a[0])), Math.max(...all.map((a) => a[0]))];
  let [y0, y1] = [Math.min(...all.map((a) => a[1])), Math.max(...all.map((a) => a[1]))];
  const padX = (x1 - x0) * 0.08 || 0.01;
  const padY = (y1 - y0) * 0.1 || 0.01;
  x1 += padX;
  y0 -= padY;
  y1 += padY;
  x0 = Math.max(0, x0);
  const px = (v: number) => m.left + ((v - x0) / (x1 - x0)) * (width - m.left - m.right);
  const py = (v: number) => height - m.bottom - ((v - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  const title = opts.title ?? `Accuracy / fairness front: ${front.kind.replace(/_/g, " ")} on ${front.attribute} (${front.method})`;
  out.push(`<text x="${width / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  // Axes, grid and ticks.
  const xb = height - m.bottom;
  out.push(`<line x1="${m.left}" y1="${xb}" x2="${width - m.right}" y2="${xb}" stroke="black"/>`);
  out.push(`<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${xb}" stroke="black"/>`);
  for (const t of niceTicks(x0, x1)) {
    if (t < x0 || t > x1) continue;
    out.push(`<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${xb}" stroke="#e5e5e5"/><text x="${px(t)}" y="${xb + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    if (t < y0 || t > y1) continue;
    out.push(`<line x1="${m.left}" y1="${py(t)}" x2="${width - m.right}" y2="${py(t)}" stroke="#e5e5e5"/><text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<text x="${(m.left + width - m.right) / 2}" y="${height - 18}" text-anchor="middle">${esc(AXIS_LABEL[xKey])} (lower is fairer)</text>`);
  out.push(`<text transform="translate(18 ${(m.top + xb) / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`);
  const colors = { train: "#1f6fb4", test: "#d2691e" };
  series.forEach((s, si) => {
    const pts = s.pts.filter(({ v }) => Number.isFinite(v[xKey]) && Number.isFinite(v.accuracy));
    out.push(`<polyline fill="none" stroke="${colors[s.name]}" stroke-width="1.5" points="${pts.map(({ v }) => `${px(v[xKey]).toFixed(2)},${py(v.accuracy).toFixed(2)}`).join(" ")}"/>`);
    for (const { p, v } of pts) {
      const label = p.bound === null ? "none" : `ε=${fmt(p.bound)}`;
      const mult = Object.entries(p.multipliers).map(([k, val]) => `${k}: λ=${fmt(val)}`).join("\n");
      const tip = `${s.name}, bound ${label}\naccuracy ${fmt(v.accuracy)}\n${AXIS_LABEL[xKey]} ${fmt(v[xKey])}${mult ? "\n" + mult : ""}`;
      const fill = s.name === "train" ? colors.train : "white";
      out.push(
        `<circle class="${s.name}" data-bound="${p.bound === null ? "none" : p.bound}" data-x="${v[xKey]}" data-y="${v.accuracy}" cx="${px(v[xKey]).toFixed(2)}" cy="${py(v.accuracy).toFixed(2)}" r="5" fill="${fill}" stroke="${colors[s.name]}" stroke-width="2"><title>${esc(tip)}</title></circle>`,
      );
      if (si === 0) out.push(`<text x="${(px(v[xKey]) + 8).toFixed(2)}" y="${(py(v.accuracy) - 8).toFixed(2)}" font-size="11" fill="#333">${esc(label)}</text>`);
    }
  });
  // Legend.
  const lx = width - m.right + 16;
  series.forEach((s, i) => {
    const ly = m.top + 10 + i * 22;
    out.push(`<circle cx="${lx}" cy="${ly}" r="5" fill="${s.name === "train" ? colors.train : "white"}" stroke="${colors[s.name]}" stroke-width="2"/><text x="${lx + 12}" y="${ly + 4}">${s.name} (${s.pts[0]?.v.rows ?? 0} rows)</text>`);
  });
  out.push(`<text x="${lx - 6}" y="${m.top + 10 + series.length * 22 + 8}" font-size="11" fill="#555">labels: constraint bound ε</text>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}
