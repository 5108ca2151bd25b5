"""PyTorch CPU peer for gradnav's `npm run bench` (run by bench/peers/torch.ts).

Reads {"cases": [...], "timing": {...}, "adam": {...}} (bench/cases.ts, bench/harness.ts) as JSON on stdin,
builds each case in idiomatic PyTorch, times it with the same recipe as bench/harness.ts, and
prints {"outcomes": [...]} (seconds per iteration of each pass) on stdout. Progress goes to stderr.
`--probe` prints the torch version and thread count, or fails when torch is missing.
"""
import json
import math
import os
import sys
import time


def probe():
    import torch

    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads()}))


def time_once(step, iters):
    t0 = time.perf_counter()
    step(iters)
    return (time.perf_counter() - t0) * 1e3


def time_step(step, t):
    """Warm up, calibrate iterations per pass, time the passes: the recipe of bench/harness.ts."""
    last = 0.0
    warm = 0.0
    for _ in range(t["warmup"]):
        last = time_once(step, 1)
        warm += last
    k = 1
    while warm < t.get("warmupMs", 0):
        warm += time_once(step, k)
        k = min(k * 2, 1 << 16)
    k = 1
    if t["warmup"] == 0 or last < t["maxCaseMs"] / 4:
        last = time_once(step, k)
        while last < t["minPassMs"] / 2 and k < (1 << 22):
            k *= 2
            last = time_once(step, k)
    per_iter = max(last / k, 1e-6)
    iters = max(1, math.ceil(t["minPassMs"] / per_iter))
    passes = min(t["passes"], max(2, math.floor(t["maxCaseMs"] / (iters * per_iter))))
    return iters, [time_once(step, iters) / iters / 1e3 for _ in range(passes)]


def build(torch, c, adam):
    import torch.nn as nn
    import torch.nn.functional as F

    p = c["params"]
    kind = p["kind"]
    g = torch.Generator().manual_seed(0)

    def randn(*shape):
        return torch.randn(*shape, generator=g)

    def repeat(op):
        def step(iters):
            for _ in range(iters):
                op()

        return step

    def trainer(model, x, y):
        opt = torch.optim.Adam(model.parameters(), lr=adam["lr"], betas=(adam["b1"], adam["b2"]), eps=adam["eps"])

        def step(iters):
            for _ in range(iters):
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(model(x), y).backward()
                opt.step()

        return step

    if kind == "elementwise":
        x, y = randn(p["n"]), randn(p["n"])
        op = {"add": lambda: torch.add(x, y), "mul": lambda: torch.mul(x, y), "exp": lambda: torch.exp(x), "tanh": lambda: torch.tanh(x)}[p["op"]]
        return repeat(op)
    if kind in ("matmul", "tiny"):
        n = p["n"]
        if kind == "tiny" and p["op"] == "add":
            a, b = randn(n), randn(n)
            return repeat(lambda: torch.add(a, b))
        a, b = randn(n, n), randn(n, n)
        return repeat(lambda: torch.mm(a, b))
    if kind == "mlp":
        sizes, batch = p["sizes"], p["batch"]
        x = randn(batch, sizes[0])
        y = torch.randint(0, sizes[-1], (batch,), generator=g)
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(nn.ReLU())
        model = nn.Sequential(*layers)
        if p["train"]:
            return trainer(model, x, y)
        params = list(model.parameters())
        return repeat(lambda: torch.autograd.grad(F.cross_entropy(model(x), y), params))
    if kind == "cnn":
        c1, c2 = p["channels"]
        feat = c2 * (p["image"] // 4) ** 2
        x = randn(p["batch"], 1, p["image"], p["image"])
        y = torch.randint(0, p["classes"], (p["batch"],), generator=g)
        model = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(feat, p["classes"]),
        )
        return trainer(model, x, y)
    if kind == "hvp":
        X = randn(p["rows"], p["cols"])
        y = torch.randint(0, 2, (p["rows"],), generator=g).float()
        w = (0.1 * randn(p["cols"])).requires_grad_()
        v = randn(p["cols"])

        def hvp():
            z = X @ w
            loss = (F.softplus(z) - y * z).mean() + p["l2"] * (w * w).sum()
            (gw,) = torch.autograd.grad(loss, w, create_graph=True)
            return torch.autograd.grad(gw @ v, w)[0]

        return repeat(hvp)
    raise NotImplementedError(f"case kind {kind}")


def main():
    if "--probe" in sys.argv:
        return probe()
    import torch

    if os.environ.get("BENCH_TORCH_THREADS"):
        torch.set_num_threads(int(os.environ["BENCH_TORCH_THREADS"]))
    req = json.load(sys.stdin)
    outcomes = []
    for c in req["cases"]:
        try:
            iters, per_iter = time_step(build(torch, c, req["adam"]), req["timing"])
            outcomes.append({"caseId": c["id"], "status": "ok", "iters": iters, "perIterSec": per_iter})
            print(f"torch/cpu {c['id']}: {len(per_iter)} passes x {iters}", file=sys.stderr, flush=True)
        except Exception as e:  # a case that fails is reported, the others still run
            outcomes.append({"caseId": c["id"], "status": "error", "note": f"{type(e).__name__}: {e}"[:300]})
            print(f"torch/cpu {c['id']}: error ({e})", file=sys.stderr, flush=True)
    print(json.dumps({"outcomes": outcomes}))


if __name__ == "__main__":
    main()
