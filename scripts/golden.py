#!/usr/bin/env python3
"""Golden values for gradnav's primitive samples, computed independently with NumPy and SciPy.

Reads test/fixtures/samples.json (written by scripts/export-samples.ts) and writes
test/fixtures/golden.json. Run with Debian's python3-numpy and python3-scipy:
    npm run build && node dist/scripts/export-samples.js && /usr/bin/python3 scripts/golden.py
Every primitive needs an entry in REFERENCE; a missing one stops the script with its name.
"""
import json
import math
import os
import sys

import numpy as np
import scipy.special
import scipy.linalg

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DTYPES = {"float32": np.float32, "float64": np.float64, "int32": np.int32, "bool": np.bool_}


def decode(v):
    if isinstance(v, str):
        return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}[v]
    return v


def encode(x):
    out = []
    for v in np.asarray(x, dtype=np.float64).ravel().tolist():
        if math.isnan(v):
            out.append("NaN")
        elif math.isinf(v):
            out.append("Infinity" if v > 0 else "-Infinity")
        elif v == 0 and math.copysign(1, v) < 0:
            out.append("-0")
        else:
            out.append(v)
    return out


def arg(a):
    dt = DTYPES[a["dtype"]]
    vals = np.array([decode(v) for v in a["values"]], dtype=np.float64)
    return vals.astype(dt).reshape(a["shape"])


def unary(f):
    return lambda args, p: f(args[0])


def binary(f):
    return lambda args, p: f(args[0], args[1])


def matmul(args, p):
    a, b = args
    if b.ndim == a.ndim - 1:  # gradnav's matrix-vector form: b is one vector per batch element
        return np.matmul(a, b[..., None])[..., 0]
    return np.matmul(a, b)


def int_pow(a, b):
    if a.dtype.kind == "f":
        return np.power(a, b)
    # Integer powers with int32 wrap-around; negative exponents give 0 unless the base is +-1.
    a64, b64 = np.broadcast_arrays(a.astype(np.int64), b.astype(np.int64))
    out = np.empty(a64.shape, dtype=np.int64)
    for i, (x, e) in enumerate(zip(a64.ravel(), b64.ravel())):
        if e < 0:
            r = 1 if x == 1 else ((1 if e % 2 == 0 else -1) if x == -1 else 0)
        else:
            r = pow(int(x), int(e), 2**32)
        out.ravel()[i] = r
    return ((out + 2**31) % 2**32 - 2**31).astype(np.int32)


def sigmoid(x):
    return scipy.special.expit(x)


def softplus(x):
    return np.logaddexp(0, x)


def relu(x):
    return np.where(np.isnan(x), x, np.maximum(x, 0) + 0.0)


def reduce(f):
    def run(args, p):
        x = args[0]
        axes = tuple(p["axes"])
        if len(axes) == 0:
            return x.copy()
        return f(x, axis=axes, keepdims=p["keepdims"])
    return run


def arg_reduce(f):
    def run(args, p):
        x = args[0]
        r = f(x, axis=p["axis"])
        if p["keepdims"]:
            r = np.expand_dims(r, p["axis"])
        return r.astype(np.int32)
    return run


def cumsum(args, p):
    x = args[0]
    ax = p["axis"]
    if p["reverse"]:
        return np.flip(np.cumsum(np.flip(x, ax), axis=ax), ax)
    return np.cumsum(x, axis=ax)


def log_softmax(args, p):
    return scipy.special.log_softmax(args[0], axis=p["axis"])


def slice_(args, p):
    x = args[0]
    idx = tuple(slice(b, b + (n - 1) * s + 1 if n > 0 else b, s) for b, s, n in zip(p["begin"], p["step"], p["size"]))
    return x[idx]


def pad(args, p):
    x = args[0]
    shape = [lo + hi + d + max(0, d - 1) * it for d, lo, hi, it in zip(x.shape, p["lo"], p["hi"], p["interior"])]
    out = np.full(shape, p["value"], dtype=x.dtype)
    idx = tuple(slice(lo, lo + (d - 1) * (it + 1) + 1 if d > 0 else lo, it + 1) for d, lo, it in zip(x.shape, p["lo"], p["interior"]))
    out[idx] = x
    return out


def take(args, p):
    x, idx = args
    return np.take(x, idx, axis=p["axis"])


def scatter_add(args, p):
    idx, upd = args
    ax = p["axis"]
    shape = list(upd.shape[:ax]) + [p["dimSize"]] + list(upd.shape[ax + idx.ndim:])
    out = np.zeros(shape, dtype=upd.dtype)
    moved = np.moveaxis(out, ax, 0)
    u = upd.reshape(upd.shape[:ax] + (idx.size,) + upd.shape[ax + idx.ndim:])
    u = np.moveaxis(u, ax, 0)
    for k, j in enumerate(idx.ravel()):
        moved[j] += u[k]
    return out


def take_along(args, p):
    x, idx = args
    return np.take_along_axis(x, idx.astype(np.int64), axis=p["axis"])


def scatter_add_along(args, p):
    idx, upd = args
    ax = p["axis"]
    shape = list(upd.shape)
    shape[ax] = p["dimSize"]
    out = np.zeros(shape, dtype=upd.dtype)
    for pos in np.ndindex(*upd.shape):
        dst = list(pos)
        dst[ax] = idx[pos]
        out[tuple(dst)] += upd[pos]
    return out


def cast(args, p):
    x = args[0]
    dt = DTYPES[p["dtype"]]
    if dt == np.int32 and x.dtype.kind == "f":
        return np.trunc(x).astype(np.int32)
    return x.astype(dt)


def where(args, p):
    c, a, b = args
    return np.where(c, a, b)


def per_matrix(f, *args):
    """Applies f to each matrix (or matrix pair) of a batch [..., n, m]."""
    batch = args[0].shape[:-2]
    outs = [f(*(a[i] for a in args)) for i in np.ndindex(*batch)]
    return np.stack(outs).reshape(batch + outs[0].shape) if batch else outs[0]


def cholesky(args, p):
    def one(a):
        # gradnav factors the symmetric part and returns NaN for a matrix that is not positive definite.
        try:
            return np.linalg.cholesky((a + a.T) / 2)
        except np.linalg.LinAlgError:
            return np.full(a.shape, np.nan, dtype=a.dtype)
    return per_matrix(one, args[0])


def triangular_solve(args, p):
    return per_matrix(
        lambda a, b: scipy.linalg.solve_triangular(a, b, lower=p["lower"], trans=1 if p["transposeA"] else 0, unit_diagonal=p["unitDiagonal"]),
        args[0],
        args[1],
    )


def logical(f):
    return lambda args, p: f(*args)


def conv2d(args, p):
    """Zero-pad, then for each filter tap add a strided slice of the input times that tap's weights."""
    x, w = args
    (sh, sw), (dh, dw), groups = p["stride"], p["dilation"], p["groups"]
    xp = np.pad(x, ((0, 0), (0, 0), tuple(p["padding"][0]), tuple(p["padding"][1])))
    n, _, h, wd = xp.shape
    o, cg, kh, kw = w.shape
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    og = o // groups
    out = np.zeros((n, o, oh, ow), dtype=x.dtype)
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for a in range(kh):
            for b in range(kw):
                patch = xs[:, :, a * dh:a * dh + (oh - 1) * sh + 1:sh, b * dw:b * dw + (ow - 1) * sw + 1:sw]
                out[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, w[g * og:(g + 1) * og, :, a, b])
    return out


def adjoint(f, shape, ct):
    """The transpose of the linear map f at ct, one unit vector at a time: out[i] = <ct, f(e_i)>."""
    size = int(np.prod(shape))
    out = np.zeros(size)
    for i in range(size):
        e = np.zeros(size)
        e[i] = 1.0
        out[i] = np.sum(f(e.reshape(shape)) * ct)
    return out.reshape(shape)


def conv2d_grad_input(args, p):
    g, w = args
    return adjoint(lambda x: conv2d([x, w], p), p["inputShape"], g)


def conv2d_grad_filter(args, p):
    x, g = args
    return adjoint(lambda w: conv2d([x, w], p), p["filterShape"], g)


def max_pool2d_argmax(args, p):
    """Stacks every window's values and flat positions on a last axis; np.argmax picks the first max, or the first NaN."""
    x = args[0]
    _, _, h, wd = x.shape
    (kh, kw), (sh, sw), (dh, dw) = p["kernelSize"], p["stride"], p["dilation"]
    oh = (h - dh * (kh - 1) - 1) // sh + 1
    ow = (wd - dw * (kw - 1) - 1) // sw + 1
    values, positions = [], []
    for a in range(kh):
        for b in range(kw):
            rows = (np.arange(oh) * sh + a * dh)[:, None]
            cols = (np.arange(ow) * sw + b * dw)[None, :]
            values.append(x[:, :, rows, cols])
            positions.append(rows * wd + cols)
    values = np.stack(values, -1)
    positions = np.broadcast_to(np.stack(positions, -1), values.shape)
    best = np.argmax(values, axis=-1)[..., None]
    return np.take_along_axis(positions, best, -1)[..., 0].astype(np.int32)


REFERENCE = {
    "neg": unary(np.negative),
    "exp": unary(np.exp),
    "log": unary(np.log),
    "log1p": unary(np.log1p),
    "expm1": unary(np.expm1),
    "sqrt": unary(np.sqrt),
    "reciprocal": unary(np.reciprocal),
    "sin": unary(np.sin),
    "cos": unary(np.cos),
    "tan": unary(np.tan),
    "tanh": unary(np.tanh),
    "sigmoid": unary(sigmoid),
    "softplus": unary(softplus),
    "erf": unary(scipy.special.erf),
    "abs": unary(np.abs),
    "relu": unary(relu),
    "sign": unary(np.sign),
    "floor": unary(np.floor),
    "ceil": unary(np.ceil),
    "round": unary(np.round),
    "add": binary(np.add),
    "sub": binary(np.subtract),
    "mul": binary(np.multiply),
    "div": binary(np.divide),
    "pow": binary(int_pow),
    "maximum": binary(np.maximum),
    "minimum": binary(np.minimum),
    "equal": binary(np.equal),
    "notEqual": binary(np.not_equal),
    "less": binary(np.less),
    "lessEqual": binary(np.less_equal),
    "greater": binary(np.greater),
    "greaterEqual": binary(np.greater_equal),
    "logicalAnd": logical(np.logical_and),
    "logicalOr": logical(np.logical_or),
    "logicalNot": logical(np.logical_not),
    "where": where,
    "cast": cast,
    "sum": reduce(np.sum),
    "max": reduce(np.max),
    "min": reduce(np.min),
    "prod": reduce(np.prod),
    "argmax": arg_reduce(np.argmax),
    "argmin": arg_reduce(np.argmin),
    "cumsum": cumsum,
    "logSoftmax": log_softmax,
    "reshape": lambda args, p: args[0].reshape(p["shape"]),
    "transpose": lambda args, p: np.transpose(args[0], p["perm"]),
    "broadcastTo": lambda args, p: np.broadcast_to(args[0], p["shape"]),
    "slice": slice_,
    "pad": pad,
    "concat": lambda args, p: np.concatenate(args, axis=p["axis"]),
    "flip": lambda args, p: np.flip(args[0], tuple(p["axes"])),
    "take": take,
    "scatterAdd": scatter_add,
    "takeAlongAxis": take_along,
    "scatterAddAlongAxis": scatter_add_along,
    "matmul": matmul,
    "conv2d": conv2d,
    "conv2dGradInput": conv2d_grad_input,
    "conv2dGradFilter": conv2d_grad_filter,
    "maxPool2dArgmax": max_pool2d_argmax,
    "cholesky": cholesky,
    "triangularSolve": triangular_solve,
    "solve": binary(np.linalg.solve),
    "logAbsDet": lambda args, p: np.linalg.slogdet(args[0])[1],
    "detSign": lambda args, p: np.linalg.slogdet(args[0])[0],
}


def main():
    with open(os.path.join(ROOT, "test", "fixtures", "samples.json")) as f:
        samples = json.load(f)
    missing = sorted({s["prim"] for s in samples} - REFERENCE.keys())
    if missing:
        sys.exit("golden.py: no NumPy reference for primitive(s): " + ", ".join(missing))
    golden = {}
    with np.errstate(all="ignore"):
        for s in samples:
            args = [arg(a) for a in s["args"]]
            y = np.asarray(REFERENCE[s["prim"]](args, s["params"]))
            golden.setdefault(s["prim"], {})[str(s["index"])] = {"shape": list(y.shape), "values": encode(y)}
    out = os.path.join(ROOT, "test", "fixtures", "golden.json")
    with open(out, "w") as f:
        json.dump(golden, f, sort_keys=True)
        f.write("\n")
    print(f"golden.py: wrote {len(samples)} samples to {out} with numpy {np.__version__}, scipy {scipy.__version__}")


if __name__ == "__main__":
    main()
