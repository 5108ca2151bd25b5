import type { Aval } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";
import type { Conv2dGradFilterParams, Conv2dGradInputParams, Conv2dParams, PoolWindowParams } from "../../ops/prims/conv.js";
import { type Kernel, alloc } from "./util.js";

/** The output positions i in [lo, hi) whose tap i * stride + offset lies inside [0, inSize). */
function tapRange(offset: number, stride: number, inSize: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-offset / stride));
  const hi = Math.min(outSize, Math.floor((inSize - 1 - offset) / stride) + 1);
  return [lo, hi];
}

const CONV = 0;
const GRAD_INPUT = 1;
const GRAD_FILTER = 2;

/**
 * The one loop nest behind all three convolution primitives. Every term of
 *   y[n, o, i, j] += x[n, G*Cg + c, i*sh - top + a*dh, j*sw - left + b*dw] * w[o, c, a, b]
 * is visited once; the mode says which of x, w, y accumulates the product of the other two
 * (y: conv2d, x: conv2dGradInput, w: conv2dGradFilter). Padding taps are skipped, not read.
 */
function convTerms(mode: number, x: TypedArray, w: TypedArray, y: TypedArray, xShape: readonly number[], wShape: readonly number[], yShape: readonly number[], p: Conv2dParams): void {
  const [batch, cin, h, wd] = xShape;
  const [cout, cg, kh, kw] = wShape;
  const [, , oh, ow] = yShape;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const top = p.padding[0][0];
  const left = p.padding[1][0];
  const og = cout / p.groups;
  for (let n = 0; n < batch; n++)
    for (let oc = 0; oc < cout; oc++) {
      const firstChannel = Math.floor(oc / og) * cg;
      const yPlane = (n * cout + oc) * oh * ow;
      for (let c = 0; c < cg; c++) {
        const xPlane = (n * cin + firstChannel + c) * h * wd;
        for (let a = 0; a < kh; a++) {
          const rowOff = a * dh - top;
          const [i0, i1] = tapRange(rowOff, sh, h, oh);
          for (let b = 0; b < kw; b++) {
            const colOff = b * dw - left;
            const [j0, j1] = tapRange(colOff, sw, wd, ow);
            const wi = ((oc * cg + c) * kh + a) * kw + b;
            const wv = w[wi];
            let acc = 0;
            for (let i = i0; i < i1; i++) {
              const yRow = yPlane + i * ow;
              const xRow = xPlane + (i * sh + rowOff) * wd + colOff;
              if (mode === CONV) for (let j = j0; j < j1; j++) y[yRow + j] += wv * x[xRow + j * sw];
              else if (mode === GRAD_INPUT) for (let j = j0; j < j1; j++) x[xRow + j * sw] += wv * y[yRow + j];
              else for (let j = j0; j < j1; j++) acc += x[xRow + j * sw] * y[yRow + j];
            }
            if (mode === GRAD_FILTER) w[wi] += acc;
          }
        }
      }
    }
}

export const convKernels = {
  conv2d: (([x, w], [xv, wv], p, out) => {
    const y = alloc(out);
    convTerms(CONV, x, w, y, xv.shape, wv.shape, out.shape, p);
    return y;
  }) as Kernel<Conv2dParams>,
  conv2dGradInput: (([g, w], [gv, wv], p, out) => {
    const gx = alloc(out);
    convTerms(GRAD_INPUT, gx, w, g, out.shape, wv.shape, gv.shape, p);
    return gx;
  }) as Kernel<Conv2dGradInputParams>,
  conv2dGradFilter: (([x, g], [xv, gv], p, out) => {
    const gw = alloc(out);
    convTerms(GRAD_FILTER, x, gw, g, xv.shape, out.shape, gv.shape, p);
    return gw;
  }) as Kernel<Conv2dGradFilterParams>,
  maxPool2dArgmax: (([x], [xv]: Aval[], { kernelSize, stride, dilation }, out) => {
    const y = alloc(out);
    const [batch, ch, h, wd] = xv.shape;
    const [, , oh, ow] = out.shape;
    let k = 0;
    for (let plane = 0; plane < batch * ch; plane++) {
      const base = plane * h * wd;
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let best = -1;
          let bestValue = NaN;
          // Stop at the first NaN: it wins, as in argmax.
          scan: for (let a = 0; a < kernelSize[0]; a++)
            for (let b = 0; b < kernelSize[1]; b++) {
              const at = (i * stride[0] + a * dilation[0]) * wd + j * stride[1] + b * dilation[1];
              const v = x[base + at];
              if (best < 0 || v > bestValue || v !== v) {
                best = at;
                bestValue = v;
                if (v !== v) break scan;
              }
            }
          y[k++] = best;
        }
    }
    return y;
  }) as Kernel<PoolWindowParams>,
};
